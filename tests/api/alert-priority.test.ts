/**
 * GET /v1/alerts?sort=priority (issue 11: the queue's priority over all alerts, not the pages
 * loaded), on SQLite and PostgreSQL: 37 alerts of mixed classes, tied scores and tied creation
 * times, read 5 at a time through nextCursor. The pages joined must be every alert once, in the
 * order computed here independently (wildlife first, score high first, oldest first, then id);
 * an alert added between two page reads repeats nothing and loses nothing; filters and an
 * operator's lanes still apply; without `sort` the order stays newest first; a cursor of one
 * order is refused by the other.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '#services/api/app.ts';
import { loadConfig } from '#services/core/config.ts';
import { WILDLIFE_CLASSES, type AlertRecord, type DetectionClass } from '#services/core/domain.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { loginAs } from '../helpers/auth.ts';
import { backends } from '../store/backends.ts';
import { makeResult, makeScan, t } from '../store/factories.ts';

const CLASSES: DetectionClass[] = ['timber', 'ivory', 'timber', 'rhino_horn', 'timber'];
const SCORES = [0.55, 0.72, 0.9, 0.72, 0.61, 0.9, 0.55];
const N = 37;

interface Row {
  id: string;
  class: string;
  score: number;
  createdAt: string;
  laneId: string;
}

/** The queue's order, written independently of the store's SQL. */
function priority(a: Row, b: Row): number {
  const w = (r: Row) => ((WILDLIFE_CLASSES as readonly string[]).includes(r.class) ? 0 : 1);
  return w(a) - w(b) || b.score - a.score || a.createdAt.localeCompare(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

describe.each(backends)('alerts in priority order on $name', (backend) => {
  let store: Awaited<ReturnType<typeof backend.open>>['store'];
  let cleanup: () => Promise<void>;
  let dir: string;
  let app: Awaited<ReturnType<typeof buildApp>>;
  const rows: Row[] = [];

  async function add(i: number, over: Partial<AlertRecord>): Promise<Row> {
    const scanId = `prio-${String(i).padStart(3, '0')}`;
    const laneId = over.laneId ?? (i % 3 === 0 ? 'lane-b' : 'lane-a');
    await store.scans.insert(makeScan(scanId, { laneId, receivedAt: over.createdAt }));
    const r = makeResult(scanId, 1, true);
    r.alert = { ...r.alert!, laneId, ...over };
    await store.recordAnalysis([r], { status: 'analysed', verdict: 'alert' });
    return { id: r.alert.id, class: r.alert.class, score: r.alert.score, createdAt: r.alert.createdAt, laneId };
  }

  async function readAll(url: string, headers: Record<string, string>, between?: (page: number) => Promise<void>): Promise<Row[]> {
    const out: Row[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const res = await app.inject({ url: `${url}&limit=5${cursor ? `&cursor=${cursor}` : ''}`, headers });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json() as { items: Row[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(5);
      out.push(...body.items.map((a) => ({ id: a.id, class: a.class, score: a.score, createdAt: a.createdAt, laneId: a.laneId })));
      cursor = body.nextCursor;
      await between?.(page++);
    } while (cursor);
    return out;
  }

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-prio-'));
    for (let i = 0; i < N; i++) {
      // Every fourth alert shares its creation time with the one before: the id breaks the tie.
      rows.push(await add(i, { class: CLASSES[i % CLASSES.length]!, score: SCORES[i % SCORES.length]!, createdAt: t(i % 4 === 3 ? i - 1 : i) }));
    }
    app = await buildApp({ config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images: new ImageStore(path.join(dir, 'images')) }, { logger: false, processMetrics: false });
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('pages through every alert once, wildlife first, then score, then oldest', async () => {
    const { headers } = await loginAs(app, store, 'inspector');
    const got = await readAll('/v1/alerts?sort=priority', headers);
    expect(got.map((r) => r.id)).toEqual([...rows].sort(priority).map((r) => r.id));
    // The set really mixes what the order must decide: wildlife after timber in time, tied scores, tied times.
    expect(got[0]!.class).not.toBe('timber');
    expect(new Set(rows.map((r) => r.createdAt)).size).toBeLessThan(N);
    // Without sort: newest first, as before (other clients keep their order).
    const newest = await readAll('/v1/alerts?status=open', headers);
    expect(newest.map((r) => r.id)).toEqual([...rows].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : -1)).map((r) => r.id));
  });

  it('an alert raised between two page reads neither repeats nor hides the others', async () => {
    const { headers } = await loginAs(app, store, 'supervisor');
    const extra: Row[] = [];
    const got = await readAll('/v1/alerts?sort=priority&status=open', headers, async (page) => {
      // After page 2: a top-priority alert (lands before the cursor) and a low one (lands after it).
      if (page === 1) {
        extra.push(await add(900, { class: 'rhino_horn', score: 0.99, createdAt: t(500) }));
        extra.push(await add(901, { class: 'timber', score: 0.5, createdAt: t(501) }));
      }
    });
    const ids = got.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...rows, extra[1]!].sort(priority).map((r) => r.id)); // the one behind the cursor is not re-served
    rows.push(...extra);
  });

  it('filters and lanes still apply; an operator gets its lanes only, in the same order', async () => {
    const op = await loginAs(app, store, 'operator', { lanes: ['lane-b'] });
    const got = await readAll('/v1/alerts?sort=priority', op.headers);
    expect(got.map((r) => r.id)).toEqual(rows.filter((r) => r.laneId === 'lane-b').sort(priority).map((r) => r.id));
    const { headers } = await loginAs(app, store, 'inspector');
    const timber = await readAll('/v1/alerts?sort=priority&class=timber', headers);
    expect(timber.map((r) => r.id)).toEqual(rows.filter((r) => r.class === 'timber').sort(priority).map((r) => r.id));
  });

  it("a cursor of one order is refused by the other (400), and an unknown sort is a 400", async () => {
    const { headers } = await loginAs(app, store, 'inspector');
    const prio = (await app.inject({ url: '/v1/alerts?sort=priority&limit=2', headers })).json() as { nextCursor: string };
    const newest = (await app.inject({ url: '/v1/alerts?limit=2', headers })).json() as { nextCursor: string };
    expect((await app.inject({ url: `/v1/alerts?limit=2&cursor=${prio.nextCursor}`, headers })).statusCode).toBe(400);
    expect((await app.inject({ url: `/v1/alerts?sort=priority&limit=2&cursor=${newest.nextCursor}`, headers })).statusCode).toBe(400);
    expect((await app.inject({ url: '/v1/alerts?sort=score', headers })).statusCode).toBe(400);
  });
});
