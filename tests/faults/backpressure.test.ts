/**
 * Fault suite, backpressure: with the workers far behind (here: none running), the adapter takes
 * packages only until MAX_QUEUED_SCANS scans wait for analysis; the rest wait in the inbox, and
 * /readyz and /metrics show the hold and the lag. When a worker comes, intake resumes and every
 * scan is analysed once.
 */
import fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { assertExactlyOnce, makeLane, report, until, waitTerminal, type Lane } from './kit.ts';

let lane: Lane | undefined;
afterEach(async () => {
  await lane?.close();
  lane = undefined;
});

describe('fault: the workers fall behind', () => {
  it('the adapter holds intake at MAX_QUEUED_SCANS, shows the lag, and resumes when a worker comes', async () => {
    lane = await makeLane({ MAX_QUEUED_SCANS: '3' });
    const ids = await lane.stage(10, 'bp');
    const c = await lane.start({ roles: ['api', 'adapter'] });
    const store = await lane.store();
    await lane.drop(ids);
    await until('the adapter holding intake', async () => (await c.readyStatus('adapter')) === 503, 60_000, 200);
    await new Promise((r) => setTimeout(r, 1500));
    const taken = (await Promise.all(ids.map((id) => store.scans.get(id)))).filter(Boolean).length;
    expect(taken).toBe(3);
    expect((await fs.readdir(lane.inbox)).length).toBe(ids.length - 3);
    const adapter = c.proc('adapter');
    const ready = (await (await fetch(`http://127.0.0.1:${adapter.port}/readyz`)).json()) as { checks: Record<string, string> };
    expect(ready.checks.intake).toMatch(/intake held, 7 package\(s\) in the inbox: 3 scans already wait/);
    const metrics = await (await fetch(`http://127.0.0.1:${adapter.port}/metrics`)).text();
    expect(metrics).toMatch(/cxr_adapter_intake_held\{role="adapter"\} 1/);
    expect(metrics).toMatch(/cxr_adapter_inbox_entries\{role="adapter"\} 7/);
    const workerAt = performance.now();
    await c.start('worker');
    const doneAt = await waitTerminal(lane, ids);
    await until('the adapter ready again', async () => (await c.readyStatus('adapter')) === 200, 30_000, 200);
    const t = await assertExactlyOnce(lane, ids);
    expect(t.analysed).toBe(ids.length);
    report('workers behind (backpressure at 3 queued)', t, (doneAt - workerAt) / 1000, '7 packages held in the inbox; time from a worker starting to all analysed');
  }, 240_000);
});
