/**
 * Durable event ids (issue 10 finding 7): events published while a client was away — also while
 * the API itself was restarted — reach it when it reconnects with Last-Event-ID, in order, with
 * no repeats; a client too far behind is told to re-read (a `reset` event). Real Redis, a real
 * listening API, a real streaming client.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { EventPublisher, EventSubscriber, eventStreamKey, type SystemEvent } from '#services/events/events.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import type { Store } from '#services/store/types.ts';
import { loginAs } from '../helpers/auth.ts';
import { collectEvents, type ReceivedEvent } from '../helpers/sse.ts';
import { waitFor } from '../helpers/packages.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const status = (scanId: string): SystemEvent => ({ type: 'scan.status', scanId, laneId: 'lane-a', status: 'queued', verdict: null, at: new Date().toISOString() });

describe('server-sent events resume with Last-Event-ID', () => {
  let dir: string;
  let store: Store;
  let pub: Redis;
  let publisher: EventPublisher;
  let headers: { authorization: string };
  const prefix = `t_sse_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-sse-'));
    store = await openStore({ sqlitePath: path.join(dir, 'db.sqlite') });
    pub = new Redis(REDIS_URL);
    publisher = new EventPublisher(pub, prefix);
  });

  afterAll(async () => {
    await pub.del(eventStreamKey(prefix));
    pub.disconnect();
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** One API process: its own subscriber on the shared stream, listening on a free port. */
  async function startApi(): Promise<{ url: string; app: FastifyInstance; subscriber: EventSubscriber }> {
    const subscriber = new EventSubscriber(REDIS_URL, prefix);
    await subscriber.start();
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const app = await buildApp({ config, store, images: new ImageStore(path.join(dir, 'images')), events: subscriber }, { logger: false, processMetrics: false });
    headers ??= (await loginAs(app, store, 'inspector')).headers;
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, app, subscriber };
  }

  it('replays what was published while the client and the API were away, then continues live', async () => {
    let api = await startApi();
    const first: ReceivedEvent[] = [];
    let client = collectEvents(`${api.url}/v1/events`, first, undefined, headers);
    await new Promise((r) => setTimeout(r, 300)); // connected
    await publisher.publish(status('s-1'));
    await publisher.publish(status('s-2'));
    await waitFor(async () => first.length >= 2);
    client.abort();
    const lastSeen = first[first.length - 1]!.id!;
    expect(lastSeen).toMatch(/^\d+-\d+$/);

    // The API goes away; events keep being published (by the adapter and workers).
    await api.app.close();
    await api.subscriber.close();
    for (const id of ['s-3', 's-4', 's-5']) await publisher.publish(status(id));
    api = await startApi();

    const second: ReceivedEvent[] = [];
    client = collectEvents(`${api.url}/v1/events`, second, undefined, { ...headers, 'last-event-id': lastSeen });
    await waitFor(async () => second.length >= 3);
    await publisher.publish(status('s-6'));
    await waitFor(async () => second.length >= 4);
    await new Promise((r) => setTimeout(r, 200));
    client.abort();
    expect(second.map((e) => e.data.scanId)).toEqual(['s-3', 's-4', 's-5', 's-6']);
    const ids = second.map((e) => e.id!);
    expect(new Set(ids).size).toBe(ids.length);

    // The query-string form does the same (for clients that cannot set headers).
    const third: ReceivedEvent[] = [];
    client = collectEvents(`${api.url}/v1/events?lastEventId=${encodeURIComponent(ids[1]!)}`, third, undefined, headers);
    await waitFor(async () => third.length >= 2);
    client.abort();
    expect(third.map((e) => e.data.scanId)).toEqual(['s-5', 's-6']);
    await api.app.close();
    await api.subscriber.close();
  }, 30_000);

  it('tells a client whose Last-Event-ID is older than the stream keeps to re-read (reset)', async () => {
    const api = await startApi();
    await publisher.publish(status('s-7'));
    // Trim the stream to its newest entry, as MAXLEN does to a long-absent client's history.
    await pub.xtrim(eventStreamKey(prefix), 'MAXLEN', 1);
    const got: ReceivedEvent[] = [];
    const client = collectEvents(`${api.url}/v1/events`, got, undefined, { ...headers, 'last-event-id': '1-0' });
    await waitFor(async () => got.length >= 2);
    client.abort();
    expect(got[0]!.event).toBe('reset');
    expect(got[1]!.data.scanId).toBe('s-7');
    await api.app.close();
    await api.subscriber.close();
  }, 30_000);
});
