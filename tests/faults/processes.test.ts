/**
 * Fault suite, processes: SIGKILL of the worker during inference, of the adapter mid-ingest and
 * of the API during an SSE stream, with a burst of scans in flight. Real role processes, real
 * Redis and SQLite; each case ends with the exactly-once checks of kit.ts and prints its line
 * of the fault table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loginAtUrl } from '../helpers/auth.ts';
import { collectEvents, type ReceivedEvent } from '../helpers/sse.ts';
import { assertExactlyOnce, makeLane, report, until, waitTerminal, type Lane } from './kit.ts';

let lane: Lane | undefined;
afterEach(async () => {
  await lane?.close();
  lane = undefined;
});

describe('fault: processes killed mid-stream', () => {
  it('SIGKILL of the worker during inference: the job returns to the queue, every scan is analysed once', async () => {
    lane = await makeLane();
    const ids = await lane.stage(16, 'wk');
    const c = await lane.start();
    const store = await lane.store();
    await lane.drop(ids);
    // Kill while a job is running: the first scan has started and not every scan is finished.
    await until('a scan being analysed', async () => (await Promise.all(ids.map((id) => store.scans.get(id)))).some((s) => s?.status === 'analysing'), 60_000, 20);
    const killedAt = performance.now();
    await c.kill('worker');
    const inFlight = (await Promise.all(ids.map((id) => store.scans.get(id)))).filter((s) => s?.status === 'analysing').length;
    expect(inFlight).toBeGreaterThan(0);
    await c.start('worker');
    const doneAt = await waitTerminal(lane, ids);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('worker SIGKILL during inference', t, (doneAt - killedAt) / 1000, `${inFlight} job(s) in flight; JOB_LOCK_MS 4000`);
  }, 240_000);

  it('SIGKILL of the adapter mid-ingest, three times: every package is ingested and analysed once', async () => {
    lane = await makeLane();
    const ids = await lane.stage(24, 'ad');
    const c = await lane.start();
    const store = await lane.store();
    await lane.drop(ids);
    const t0 = performance.now();
    let kills = 0;
    for (let k = 0; k < 3; k++) {
      // Kill as soon as the adapter has taken some of the burst, then start it again at once.
      const before = (await Promise.all(ids.map((id) => store.scans.get(id)))).filter(Boolean).length;
      await until('the adapter taking packages', async () => (await Promise.all(ids.map((id) => store.scans.get(id)))).filter(Boolean).length > before || before === ids.length, 60_000, 10);
      await c.kill('adapter');
      kills++;
      await c.start('adapter');
    }
    const doneAt = await waitTerminal(lane, ids);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('adapter SIGKILL mid-ingest (×3)', t, (doneAt - t0) / 1000, `${kills} kills; time from the first drop`);
  }, 240_000);

  it('SIGKILL of the API during an SSE stream: the client resumes with Last-Event-ID and misses nothing', async () => {
    lane = await makeLane();
    const ids = await lane.stage(12, 'api');
    const c = await lane.start();
    const auth = (await loginAtUrl(c.apiUrl, 'supervisor')).headers;
    const events: ReceivedEvent[] = [];
    let ctrl = collectEvents(`${c.apiUrl}/v1/events`, events, undefined, auth);
    await new Promise((r) => setTimeout(r, 300));
    await lane.drop(ids.slice(0, 6));
    await until('some events', () => events.some((e) => e.event === 'scan.status'), 60_000);
    await c.kill('api');
    const killedAt = performance.now();
    ctrl.abort();
    const lastId = events.filter((e) => e.id).at(-1)?.id;
    expect(lastId).toBeDefined();
    // While the API is away the pipeline goes on: these events are published without a listener.
    await lane.drop(ids.slice(6));
    await waitTerminal(lane, ids);
    await c.start('api');
    await c.waitReady();
    const recoveredAt = performance.now();
    const resumed: ReceivedEvent[] = [];
    ctrl = collectEvents(`${c.apiUrl}/v1/events`, resumed, undefined, { ...auth, 'last-event-id': lastId! });
    const analysedOf = (list: ReceivedEvent[]) =>
      new Set(list.filter((e) => e.event === 'scan.status' && (e.data as { status?: string }).status === 'analysed').map((e) => (e.data as { scanId: string }).scanId));
    await until('every analysed event, before or after the restart', () => {
      const all = new Set([...analysedOf(events), ...analysedOf(resumed)]);
      return ids.every((id) => all.has(id));
    }, 30_000);
    ctrl.abort();
    // No repeats: nothing received before the kill comes again after it.
    const before = new Set(events.map((e) => e.id).filter(Boolean));
    expect(resumed.filter((e) => e.id && before.has(e.id))).toEqual([]);
    const t = await assertExactlyOnce(lane, ids);
    report('API SIGKILL during an SSE stream', t, (recoveredAt - killedAt) / 1000, `resumed after event ${lastId}; ${resumed.length} events replayed, none repeated`);
  }, 240_000);

  it('SIGTERM to every role mid-stream: each exits 0, the running job finishes or returns to the queue, nothing is lost', async () => {
    lane = await makeLane();
    const ids = await lane.stage(12, 'term');
    const c = await lane.start();
    const store = await lane.store();
    await lane.drop(ids);
    await until('a scan being analysed', async () => (await Promise.all(ids.map((id) => store.scans.get(id)))).some((s) => s?.status === 'analysing'), 60_000, 20);
    const t0 = performance.now();
    const codes = await Promise.all([c.terminate('adapter'), c.terminate('worker'), c.terminate('api')]);
    const stopSeconds = (performance.now() - t0) / 1000;
    expect(codes).toEqual([0, 0, 0]);
    await c.start('api');
    await c.start('adapter');
    await c.start('worker');
    const doneAt = await waitTerminal(lane, ids);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('SIGTERM to every role mid-stream', t, (doneAt - t0) / 1000, `all three exited 0 in ${stopSeconds.toFixed(1)} s; time from SIGTERM to all analysed after restart`);
  }, 240_000);
});
