import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type ApiDeps } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { EventPublisher, EventSubscriber } from '#services/events/events.ts';
import type { LoadedModel } from '#services/model-registry/card.ts';
import type { ModelRegistry } from '#services/model-registry/registry.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { makeAlert, makeResult, makeScan, stamp, t } from '../store/factories.ts';

const W = 64;
const H = 32;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const model: LoadedModel = {
  card: {
    schema: 'model-card/1',
    id: 'wildlife-det',
    version: '1.0.0',
    sha256: 'f'.repeat(64),
    file: 'model.onnx',
    createdAt: t(0),
    intendedUse: 'Triage aid for inspectors; AI-assisted, requires inspector confirmation.',
    classes: ['ivory', 'rhino_horn', 'timber'],
    input: {
      name: 'x',
      energies: ['high'],
      pixelSpacingMm: 4,
      resampling: 'area',
      normalisation: { attenuationScale: 1, minTransmission: 0.001 },
      sourceKinds: ['linac'],
      sizeMultiple: 32,
    },
    output: { heatmap: { name: 'heat', stride: 4 } },
    thresholds: {
      ivory: { score: 0.5, calibratedFalseAlarmRate: 0.01 },
      rhino_horn: { score: 0.5, calibratedFalseAlarmRate: 0.01 },
      timber: { score: 0.6, calibratedFalseAlarmRate: 0.02, calibratedDetectionRate: 0.9 },
    },
    candidateScore: 0.2,
    trainingData: 'synthetic-v1',
    limits: ['synthetic training data only'],
  },
  path: '/secret/models/wildlife-det/1.0.0/model.onnx',
  dir: '/secret/models/wildlife-det/1.0.0',
  shadow: false,
};
const goodRegistry: ModelRegistry = { active: [model], shadow: [{ ...model, shadow: true }], problems: [] };

describe('API', () => {
  let dir: string;
  let store: Store;
  let images: ImageStore;
  let tiffPath: string;
  let app: FastifyInstance;
  let deps: ApiDeps;
  /** A supervisor sees every lane, the images and the metrics (who may call what: access-matrix.test.ts). */
  let auth: { authorization: string };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-api-'));
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    store = await openStore({ sqlitePath: path.join(dir, 'db.sqlite') });
    images = new ImageStore(path.join(dir, 'images'));

    // 16-bit transmission image: air (65535) on the left fading to dense (1000) on the right.
    const px = new Uint16Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px[y * W + x] = Math.round(65535 - (x / (W - 1)) * 64535);
    tiffPath = path.join(dir, 'high.tiff');
    await sharp(px, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').tiff({ compression: 'deflate' }).toFile(tiffPath);
    const stored = await images.put(tiffPath);

    const img = { energy: 'high' as const, sha256: stored.sha256, width: W, height: H, bytes: stored.bytes };
    for (let i = 0; i < 5; i++) {
      await store.scans.insert(makeScan(`scan-${i}`, { laneId: i < 3 ? 'lane-a' : 'lane-b', receivedAt: t(10 + i), images: [img] }));
    }
    const r1 = makeResult('scan-1', 2, true);
    r1.alert!.laneId = 'lane-a';
    await store.recordAnalysis([r1], { status: 'analysed', verdict: 'alert', timings: { inferenceMs: 30, totalMs: 800 } });
    await store.recordAnalysis([makeResult('scan-2', 0, false)], { status: 'analysed', verdict: 'clear' });
    await store.recordAnalysis(
      [{ scanId: 'scan-4', stamp, detections: [], alert: makeAlert('scan-4', 'alert-4', { laneId: 'lane-b', class: 'timber', status: 'cleared' }) }],
      { status: 'analysed', verdict: 'alert' },
    );

    deps = {
      config,
      store,
      images,
      redisPing: async () => {},
      models: async () => goodRegistry,
      queueHealth: async () => ({ ok: true, counts: { waiting: 3, active: 1 } }),
    };
    app = await buildApp(deps, { logger: false, processMetrics: false });
    auth = (await loginAs(app, store, 'supervisor')).headers;
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('lists scans with filters and cursor pagination', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { statusCode: number; json(): { items: Array<{ scanId: string }>; nextCursor: string | null } } = await app.inject({
        headers: auth,
        url: '/v1/scans',
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      ids.push(...body.items.map((s) => s.scanId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(ids).toEqual(['scan-4', 'scan-3', 'scan-2', 'scan-1', 'scan-0']);

    const lane = (await app.inject({ headers: auth, url: '/v1/scans?lane=lane-b' })).json();
    expect(lane.items.map((s: { scanId: string }) => s.scanId)).toEqual(['scan-4', 'scan-3']);
    const alerting = (await app.inject({ headers: auth, url: '/v1/scans?verdict=alert&status=analysed' })).json();
    expect(alerting.items.map((s: { scanId: string }) => s.scanId)).toEqual(['scan-4', 'scan-1']);
    // An offset is normalised to UTC before comparing with stored times.
    const since = (await app.inject({ headers: auth, url: `/v1/scans?since=${encodeURIComponent('2025-01-01T01:00:13+01:00')}` })).json();
    expect(since.items.map((s: { scanId: string }) => s.scanId)).toEqual(['scan-4', 'scan-3']);
    // Summaries are an allow-list: no metadata, images or hashes.
    expect(Object.keys(lane.items[0]).sort()).toEqual(
      ['failureReason', 'laneId', 'receivedAt', 'scanId', 'scannedAt', 'status', 'updatedAt', 'verdict'].sort(),
    );
  });

  it('rejects bad list parameters with a clear 400', async () => {
    const tooMany = await app.inject({ headers: auth, url: '/v1/scans?limit=500' });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json()).toMatchObject({ error: 'bad_request', message: expect.stringContaining('limit') });
    const badStatus = await app.inject({ headers: auth, url: '/v1/scans?status=exploded' });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().message).toContain('status');
    const badSince = await app.inject({ headers: auth, url: '/v1/scans?since=yesterday' });
    expect(badSince.statusCode).toBe(400);
    const badCursor = await app.inject({ headers: auth, url: '/v1/scans?cursor=abc' });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().message).toMatch(/cursor/);
  });

  it('returns scan detail with detections, alerts, manifest and images', async () => {
    const res = await app.inject({ headers: auth, url: '/v1/scans/scan-1' });
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({
      scanId: 'scan-1',
      status: 'analysed',
      verdict: 'alert',
      failureReason: null,
      source: { kind: 'linac', highMeV: 6, lowMeV: 4 },
      pixelSpacingMm: { x: 2, y: 2 },
      airValue: 65535,
      manifest: { declarations: [{ hsCode: '4407', species: 'Pinus sylvestris' }] },
      images: [{ energy: 'high', width: W, height: H }],
      timings: { inferenceMs: 30, totalMs: 800 },
    });
    expect(s.detections).toHaveLength(2);
    expect(s.detections[0]).toMatchObject({
      modelId: 'wildlife-det',
      modelVersion: '1.0.0',
      modelSha256: 'f'.repeat(64),
      box: { x: 10, y: 5, width: 20, height: 8 },
      boxMm: { x: 20, y: 10, width: 40, height: 16 },
      aboveThreshold: true,
      shadow: false,
      citesAppendix: 'I',
      species: null,
    });
    expect(s.alerts).toHaveLength(1);
    expect(s.alerts[0].reasons[0].detectionIds).toHaveLength(2);
  });

  it('answers 404 for unknown scans and 400 for malformed ids', async () => {
    const missing = await app.inject({ headers: auth, url: '/v1/scans/no-such-scan' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'not_found', message: 'scan "no-such-scan" not found' });
    const bad = await app.inject({ headers: auth, url: '/v1/scans/bad%20id!' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('scanId');
    expect((await app.inject({ headers: auth, url: '/v1/nothing-here' })).statusCode).toBe(404);
  });

  it('renders a PNG with dense = dark, honours maxWidth, and serves the raw TIFF unchanged', async () => {
    const res = await app.inject({ headers: auth, url: '/v1/scans/scan-0/image' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    const { data, info } = await sharp(res.rawPayload).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([W, H]);
    const at = (x: number, y: number) => data[(y * info.width + x) * info.channels]!;
    expect(at(0, 10)).toBeGreaterThan(240); // air: bright
    expect(at(W - 1, 10)).toBeLessThan(15); // dense: dark

    const fixed = await app.inject({ headers: auth, url: '/v1/scans/scan-0/image?window=0,10' });
    expect(fixed.statusCode).toBe(200);
    const small = await app.inject({ headers: auth, url: '/v1/scans/scan-0/image?maxWidth=32' });
    expect((await sharp(small.rawPayload).metadata()).width).toBe(32);

    const tiff = await app.inject({ headers: auth, url: '/v1/scans/scan-0/image?format=tiff' });
    expect(tiff.statusCode).toBe(200);
    expect(tiff.headers['content-type']).toBe('image/tiff');
    expect(Buffer.compare(tiff.rawPayload, await fs.readFile(tiffPath))).toBe(0);

    expect((await app.inject({ headers: auth, url: '/v1/scans/scan-0/image?window=2,1' })).statusCode).toBe(400);
    expect((await app.inject({ headers: auth, url: '/v1/scans/scan-0/image?window=dark' })).statusCode).toBe(400);
    expect((await app.inject({ headers: auth, url: '/v1/scans/scan-0/image?format=jpeg' })).statusCode).toBe(400);
    const low = await app.inject({ headers: auth, url: '/v1/scans/scan-0/image?energy=low' });
    expect(low.statusCode).toBe(404);
    expect(low.json().message).toContain('low-energy');
    expect((await app.inject({ headers: auth, url: '/v1/scans/nope/image' })).statusCode).toBe(404);
  });

  it('lists and fetches alerts with filters and pagination', async () => {
    const all = (await app.inject({ headers: auth, url: '/v1/alerts?limit=1' })).json();
    expect(all.items).toHaveLength(1);
    expect(all.nextCursor).toEqual(expect.any(String));
    const next = (await app.inject({ headers: auth, url: `/v1/alerts?limit=1&cursor=${all.nextCursor}` })).json();
    expect(next.items).toHaveLength(1);
    expect(next.nextCursor).toBeNull();
    expect(new Set([all.items[0].id, next.items[0].id]).size).toBe(2);

    const timber = (await app.inject({ headers: auth, url: '/v1/alerts?class=timber' })).json();
    expect(timber.items.map((a: { id: string }) => a.id)).toEqual(['alert-4']);
    const open = (await app.inject({ headers: auth, url: '/v1/alerts?status=open&lane=lane-a' })).json();
    expect(open.items.map((a: { scanId: string }) => a.scanId)).toEqual(['scan-1']);
    expect((await app.inject({ headers: auth, url: '/v1/alerts?class=elephant' })).statusCode).toBe(400);

    const one = await app.inject({ headers: auth, url: '/v1/alerts/alert-4' });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: 'alert-4', scanId: 'scan-4', class: 'timber', status: 'cleared' });
    expect((await app.inject({ headers: auth, url: '/v1/alerts/alert-404' })).statusCode).toBe(404);
  });

  it('lists models without file paths', async () => {
    const res = await app.inject({ headers: auth, url: '/v1/models' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.active[0]).toMatchObject({ id: 'wildlife-det', version: '1.0.0', shadow: false, classes: ['ivory', 'rhino_horn', 'timber'] });
    expect(body.active[0].thresholds.timber).toEqual({ score: 0.6, calibratedFalseAlarmRate: 0.02, calibratedDetectionRate: 0.9 });
    expect(body.shadow[0].shadow).toBe(true);
    expect(res.body).not.toContain('/secret/');
  });

  it('publishes a valid OpenAPI document with the routes', async () => {
    const res = await app.inject({ headers: auth, url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBeTruthy();
    for (const p of ['/v1/scans', '/v1/scans/{scanId}', '/v1/scans/{scanId}/image', '/v1/alerts', '/v1/alerts/{id}', '/v1/events', '/v1/models', '/healthz', '/readyz', '/metrics']) {
      expect(doc.paths, p).toHaveProperty([p, 'get']);
    }
    const list = doc.paths['/v1/scans'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['lane', 'status', 'verdict', 'since', 'limit', 'cursor']));
    expect(list.responses['200'].content['application/json'].schema.properties.items).toBeDefined();
    expect((await app.inject({ headers: auth, url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('exposes Prometheus metrics', async () => {
    const res = await app.inject({ headers: auth, url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of ['cxr_scans', 'cxr_alerts', 'cxr_queue_jobs', 'cxr_analysis_latency_seconds', 'cxr_inference_seconds']) {
      expect(res.body).toContain(`# TYPE ${name} `);
    }
    expect(res.body).toContain('cxr_scans{status="analysed"} 3');
    expect(res.body).toContain('cxr_alerts{class="timber"} 1');
    expect(res.body).toContain('cxr_queue_jobs{state="waiting"} 3');
  });

  it('reports liveness and readiness, 503 naming the failed dependency', async () => {
    expect((await app.inject({ headers: auth, url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ok = await app.inject({ headers: auth, url: '/readyz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().status).toBe('ready');

    const broken = await buildApp(
      {
        ...deps,
        redisPing: async () => {
          throw new Error('connect ECONNREFUSED redis://secret@host');
        },
        models: async () => ({ active: [], shadow: [], problems: [{ model: 'wildlife-det@2.0.0', reason: 'sha mismatch at /secret/path' }] }),
      },
      { logger: false, processMetrics: false },
    );
    try {
      const res = await broken.inject({ headers: auth, url: '/readyz' });
      expect(res.statusCode).toBe(503);
      const body = res.json();
      expect(body.status).toBe('not_ready');
      expect(body.checks.database.ok).toBe(true);
      expect(body.checks.redis.ok).toBe(false);
      expect(body.checks.models).toMatchObject({ ok: false, message: expect.stringContaining('wildlife-det@2.0.0') });
      expect(res.body).not.toContain('secret');
    } finally {
      await broken.close();
    }
  });

  it('hides 5xx details and returns the request id', async () => {
    const failing: Store = {
      ...store,
      scans: {
        ...store.scans,
        list: async () => {
          throw new Error('password authentication failed for user "secret"');
        },
      },
    };
    const broken = await buildApp({ ...deps, store: failing }, { logger: false, processMetrics: false });
    try {
      const res = await broken.inject({ headers: auth, url: '/v1/scans' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: 'internal', requestId: expect.any(String) });
      expect(res.body).not.toContain('secret');
    } finally {
      await broken.close();
    }
  });

  it('answers 503 on /v1/events when no event source is configured', async () => {
    const res = await app.inject({ headers: auth, url: '/v1/events' });
    expect(res.statusCode).toBe(503);
  });

  it('relays Redis events as server-sent events to a real client', async () => {
    const prefix = `t_api_${randomBytes(6).toString('hex')}`;
    const subscriber = new EventSubscriber(REDIS_URL, prefix);
    await subscriber.start();
    const pubRedis = new Redis(REDIS_URL);
    const publisher = new EventPublisher(pubRedis, prefix);
    const live = await buildApp({ ...deps, events: subscriber }, { logger: false, processMetrics: false, sseHeartbeatMs: 100 });
    const abort = new AbortController();
    try {
      const url = await live.listen({ host: '127.0.0.1', port: 0 });
      const res = await fetch(`${url}/v1/events`, { signal: abort.signal, headers: auth });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const readUntil = async (needle: string): Promise<void> => {
        const deadline = Date.now() + 10_000;
        while (!text.includes(needle)) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${needle}; got: ${text}`);
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${needle}`);
          text += decoder.decode(value, { stream: true });
        }
      };
      await readUntil(': connected');
      await publisher.publish({
        type: 'scan.status',
        scanId: 'scan-1',
        laneId: 'lane-a',
        status: 'analysed',
        verdict: 'alert',
        timings: { inferenceMs: 250, totalMs: 1500 },
        at: t(99),
      });
      await publisher.publish({ type: 'alert.created', alertId: 'a-1', scanId: 'scan-1', laneId: 'lane-a', class: 'ivory', score: 0.9, at: t(99) });
      await readUntil('event: alert.created');
      await readUntil(': heartbeat');

      const block = text.split('\n\n').find((b) => b.includes('event: scan.status'))!;
      expect(block).toMatch(/^id: \d+-\d+$/m);
      const data = JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
      expect(data).toMatchObject({ type: 'scan.status', scanId: 'scan-1', status: 'analysed', timings: { totalMs: 1500 } });

      // The same event fed the latency histograms.
      const metrics = (await live.inject({ headers: auth, url: '/metrics' })).body;
      expect(metrics).toContain('cxr_analysis_latency_seconds_count 1');
      expect(metrics).toContain('cxr_inference_seconds_count 1');
    } finally {
      abort.abort();
      await live.close();
      await subscriber.close();
      pubRedis.disconnect();
    }
  });
});
