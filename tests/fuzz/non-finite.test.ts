/**
 * Found by the fuzzer: Ajv's coercion turned ?limit=1e309 into Infinity past `maximum`, and the
 * store's guard answered 500. Every such number, in a query, a path or a body, is a 400 now.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { loginAs } from '../helpers/auth.ts';
import { sqliteBackend } from '../store/backends.ts';

it('answers 400, never 500, to non-finite numbers', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-nonfinite-'));
  const { store, cleanup } = await sqliteBackend.open();
  const app = await buildApp({ config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images: new ImageStore(dir) }, { logger: false, processMetrics: false });
  try {
    const { headers } = await loginAs(app, store, 'supervisor');
    for (const v of ['1e309', 'Infinity', '-Infinity', '-1e400']) {
      const res = await app.inject({ url: `/v1/scans?limit=${encodeURIComponent(v)}`, headers });
      expect(res.statusCode, v).toBe(400);
      expect(res.json().message).toBe('querystring/limit must be a finite number');
    }
    const body = await app.inject({ method: 'POST', url: '/v1/alerts/x/decision', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"decision":"seize","seizure":{"species":"x","count":1e309,"weightKg":1},"version":1}' });
    expect(body.statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/scans?limit=5', headers })).statusCode).toBe(200);
  } finally {
    await app.close();
    await cleanup();
    await fs.rm(dir, { recursive: true, force: true });
  }
});
