/**
 * The adapter and the worker run alone answer /healthz, /readyz and /metrics on HEALTH_PORT
 * (issue 10 §3: every role has health and metrics). A real adapter over real Redis and SQLite.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { startAdapter } from '#adapter/main.ts';
import { loadConfig } from '#services/core/config.ts';

it('the adapter run alone serves health, readiness and metrics', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-health-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const config = loadConfig({ DATA_DIR: dir, QUEUE_PREFIX: `t_health_${randomBytes(4).toString('hex')}`, HEALTH_PORT: String(port), LOG_LEVEL: 'silent' });
  const adapter = await startAdapter(config);
  try {
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', role: 'adapter' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { store: 'ok', redis: 'ok' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/cxr_adapter_retrying_packages\{role="adapter"\} 0/);
    expect(metrics).toContain('process_resident_memory_bytes');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  } finally {
    await adapter.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
  // Closed with the role: the port is free again.
  await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
}, 30_000);
