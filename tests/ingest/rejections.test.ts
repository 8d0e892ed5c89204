/**
 * Rejected packages are visible (issue 9 §1) and infrastructure faults never quarantine good
 * scans (issue 10 finding 3). On SQLite and PostgreSQL, with a real hot folder, real Redis and the
 * real API: a package the analysis could not vouch for (airValue 1) and a folder that is no
 * package at all are quarantined, each becomes a row at /v1/rejections (an operator sees its
 * lane's and the lane-less ones, never another lane's), a `scan.rejected` event and an audit
 * entry; a valid package dropped while Redis is unreachable stays in the inbox and is ingested
 * once Redis answers again.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotFolder } from '#adapter/hot-folder/hot-folder.ts';
import { IngestService, type IngestOutcome } from '#adapter/ingest/ingest-service.ts';
import { recordRejection } from '#adapter/ingest/rejection-recorder.ts';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { QueueName } from '#services/core/jobs.ts';
import { EventPublisher, EventSubscriber, eventStreamKey, type SystemEvent } from '#services/events/events.ts';
import { JobProducer } from '#services/queue/queue-repository.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { waitFor, writePackage, writeRawPackage, tiff16, metadata } from '../helpers/packages.ts';
import { backends } from '../store/backends.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** A port where no Redis listens: a real connection failure. */
const DEAD_REDIS_URL = 'redis://127.0.0.1:6390';

describe.each(backends)('rejections and infrastructure faults on $name', (backend) => {
  let root: string;
  let inbox: string;
  let rejected: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let live: JobProducer;
  let dead: JobProducer;
  let useLive = true;
  let queue: Queue;
  let hot: HotFolder;
  let pub: Redis;
  let subscriber: EventSubscriber;
  let app: FastifyInstance;
  const events: SystemEvent[] = [];
  const outcomes: IngestOutcome[] = [];
  const prefix = `t_rej_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-rej-'));
    inbox = path.join(root, 'inbox');
    rejected = path.join(root, 'rejected');
    ({ store, cleanup } = await backend.open());
    live = new JobProducer(REDIS_URL, prefix);
    dead = new JobProducer(DEAD_REDIS_URL, prefix);
    queue = new Queue(QueueName.Analysis, { connection: { url: REDIS_URL }, prefix });
    pub = new Redis(REDIS_URL);
    const publisher = new EventPublisher(pub, prefix);
    subscriber = new EventSubscriber(REDIS_URL, prefix);
    await subscriber.start();
    subscriber.on((e) => events.push(e));
    const images = new ImageStore(path.join(root, 'images'));
    const liveIngest = new IngestService({ store, images, producer: live, events: publisher, rejectedDir: rejected });
    const deadIngest = new IngestService({ store, images, producer: dead, events: publisher, rejectedDir: rejected });
    // The same hot folder, whose queue is reachable or not: Redis going away and coming back.
    const switching = { ingest: (entry: string) => (useLive ? liveIngest : deadIngest).ingest(entry) } as unknown as IngestService;
    hot = new HotFolder(switching, {
      inboxDir: inbox,
      rejectedDir: rejected,
      pollMs: 50,
      settleMs: 150,
      stuckMs: 800,
      maxRetryDelayMs: 300,
      onOutcome: (o) => outcomes.push(o),
      onRejected: (to) => recordRejection({ store, events: publisher, rejectedDir: rejected }, to),
    });
    await hot.start();
    const config = loadConfig({ DATA_DIR: root, LOG_LEVEL: 'silent' });
    app = await buildApp({ config, store, images }, { logger: false, processMetrics: false });
  });

  afterAll(async () => {
    await hot?.stop();
    await app?.close();
    await subscriber?.close();
    await pub?.del(eventStreamKey(prefix));
    pub?.disconnect();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await live?.close();
    await dead?.close();
    await cleanup?.();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('records each quarantined package: row, event, audit entry, visible by lane', async () => {
    await writeRawPackage(path.join(inbox, 'rej-implausible'), { ...metadata('rej-implausible', { laneId: 'lane-r' }), airValue: 1 }, { 'high.tiff': await tiff16(32, 32), 'low.tiff': await tiff16(32, 32) });
    await fs.mkdir(path.join(inbox, 'not-a-package'));
    await fs.writeFile(path.join(inbox, 'not-a-package', 'notes.txt'), 'hello');
    await writeRawPackage(path.join(inbox, 'rej-other-lane'), { ...metadata('rej-other-lane', { laneId: 'lane-x' }), airValue: 3 }, { 'high.tiff': await tiff16(32, 32), 'low.tiff': await tiff16(32, 32) });

    const rows = await waitFor(async () => {
      const page = await store.rejections.list({ limit: 10 });
      return page.items.length >= 3 ? page.items : undefined;
    });
    const byPackage = Object.fromEntries(rows.map((r) => [r.packageName, r]));
    expect(byPackage['rej-implausible']).toMatchObject({ kind: 'scan', scanId: 'rej-implausible', laneId: 'lane-r', code: 'implausible_value', field: 'airValue' });
    expect(byPackage['not-a-package']).toMatchObject({ laneId: null, scanId: null });
    for (const r of rows) {
      expect(r.quarantinedAs).not.toContain(root); // relative to the rejected directory
      expect(r.message).not.toContain(root);
    }

    const rejectedEvents = await waitFor(async () => {
      const got = events.filter((e) => e.type === 'scan.rejected');
      return got.length >= 3 ? got : undefined;
    });
    expect(rejectedEvents.map((e) => (e as { packageName: string }).packageName).sort()).toEqual(['not-a-package', 'rej-implausible', 'rej-other-lane']);
    const audit = await store.audit.list({ action: 'scan.rejected', limit: 10 });
    expect(audit).toHaveLength(3);

    const operator = await loginAs(app, store, 'operator', { lanes: ['lane-r'] });
    const seen = (await app.inject({ url: '/v1/rejections', headers: operator.headers })).json();
    expect(seen.items.map((r: { packageName: string }) => r.packageName).sort()).toEqual(['not-a-package', 'rej-implausible']);
    const supervisor = await loginAs(app, store, 'supervisor');
    const all = (await app.inject({ url: '/v1/rejections?limit=2', headers: supervisor.headers })).json();
    expect(all.items).toHaveLength(2);
    const rest = (await app.inject({ url: `/v1/rejections?limit=2&cursor=${all.nextCursor}`, headers: supervisor.headers })).json();
    expect(rest.items).toHaveLength(1);
    const metrics = (await app.inject({ url: '/metrics', headers: supervisor.headers })).body;
    expect(metrics).toMatch(/cxr_rejections\{code="implausible_value"\} 2/);
  });

  it('leaves a valid package in the inbox while Redis is unreachable, and ingests it when Redis is back', async () => {
    useLive = false;
    await writePackage(path.join(inbox, 'rej-redis-away'), 'rej-redis-away', { laneId: 'lane-r' });
    await waitFor(async () => hot.retrying > 0);
    await new Promise((r) => setTimeout(r, 1500)); // several retries against the dead port
    expect(await fs.readdir(inbox)).toContain('rej-redis-away');
    expect(await fs.readdir(rejected)).not.toContain('rej-redis-away');
    expect(outcomes.filter((o) => o.kind === 'rejected' && o.quarantinedTo.endsWith('rej-redis-away'))).toEqual([]);

    useLive = true;
    await waitFor(async () => !(await fs.readdir(inbox)).includes('rej-redis-away'), 20_000);
    expect((await store.scans.get('rej-redis-away'))?.status).toBe('queued');
    // The retry count drops once the hot folder has finished with the package, which can be just
    // after the package has left the inbox (a loaded CI machine caught that window).
    await waitFor(async () => hot.retrying === 0, 10_000);
    expect(hot.retrying).toBe(0);
  }, 30_000);
});
