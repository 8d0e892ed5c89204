/**
 * The review workflow through its service and store, on SQLite and PostgreSQL: every legal and
 * illegal transition, who may act, claim expiry, optimistic concurrency (two decisions on one
 * version: exactly one wins), history and audit entries written with the change, per-user seen
 * state, inspection outcomes, and that a re-analysis never reopens a decided alert.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '#services/core/access.ts';
import { ALERT_STATUSES, REVIEW_ACTIONS, TRANSITIONS, transition, type AlertStatus, type ReviewAction } from '#services/core/review.ts';
import { ReviewError } from '#services/review/errors.ts';
import { USER_ACTIONS } from '#services/review/rules.ts';
import { createReviewService, type DecisionInput, type ReviewService } from '#services/review/service.ts';
import type { Store } from '#services/store/types.ts';
import { backends } from '../store/backends.ts';
import { makeResult, makeScan } from '../store/factories.ts';

const person = (id: string, role: Actor['role'], lanes: string[] | null = null): Actor => ({ kind: 'user', id, name: id, role, lanes });
const alice = person('alice', 'inspector');
const bob = person('bob', 'inspector');
const sue = person('sue', 'supervisor');
const olga = person('olga', 'operator', ['lane-1']);
const otto = person('otto', 'operator', ['lane-9']);

const SEIZURE = { species: 'Loxodonta africana', count: 3, weightKg: 41.5 };

/** A valid request body for each decision. */
function decisionBody(action: ReviewAction, version: number): DecisionInput {
  switch (action) {
    case 'clear':
      return { decision: 'clear', reason: 'look_alike_material', notes: 'cattle horn', version };
    case 'seize':
      return { decision: 'seize', seizure: SEIZURE, version };
    case 'refer':
    case 'escalate':
    case 'nothing_found':
      return { decision: action, version };
    default:
      throw new Error(`${action} is not a decision`);
  }
}

async function rejects(p: Promise<unknown>): Promise<ReviewError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ReviewError) return err;
    throw err;
  }
  throw new Error('expected a ReviewError, got success');
}

describe('transition table (pure)', () => {
  it('every state × action is either a listed transition or refused', () => {
    for (const s of ALERT_STATUSES) {
      for (const a of REVIEW_ACTIONS) {
        const row = TRANSITIONS[s] as Partial<Record<ReviewAction, AlertStatus>>;
        expect(transition(s, a)).toBe(row[a] ?? null);
      }
    }
    expect(transition('open', 'claim')).toBe('in_review');
    expect(transition('in_review', 'clear')).toBe('cleared');
    expect(transition('referred', 'seize')).toBe('seized');
    expect(transition('cleared', 'claim')).toBeNull();
    expect(transition('open', 'clear')).toBeNull();
    for (const s of ['cleared', 'seized', 'nothing_found'] as const) expect(Object.keys(TRANSITIONS[s])).toEqual([]);
  });
});

describe.each(backends)('review service on $name', (backend) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let clockMs = Date.UTC(2026, 2, 1, 8, 0, 0);
  let reviews: ReviewService;
  let n = 0;

  beforeAll(async () => {
    ({ store, cleanup } = await backend.open());
    reviews = createReviewService({ store, claimMinutes: 15, now: () => new Date(clockMs) });
  });
  afterAll(async () => cleanup?.());

  /** A fresh analysed scan with one open alert (lane-1); returns the alert id and scan id. */
  async function freshAlert(): Promise<{ alertId: string; scanId: string }> {
    const scanId = `scan-${++n}`;
    await store.scans.insert(makeScan(scanId));
    const r = makeResult(scanId, 2, true);
    await store.recordAnalysis([r], { status: 'analysed', verdict: 'alert' });
    return { alertId: r.alert!.id, scanId };
  }

  async function version(alertId: string): Promise<number> {
    return (await store.alerts.get(alertId))!.review!.version;
  }

  /** Drives a fresh alert into `state` the legal way. */
  async function alertIn(state: AlertStatus): Promise<string> {
    const { alertId } = await freshAlert();
    const decide = async (who: Actor, action: ReviewAction) => reviews.decide(who, alertId, decisionBody(action, await version(alertId)));
    if (state === 'open') return alertId;
    if (state === 'escalated') {
      await decide(alice, 'escalate');
      return alertId;
    }
    await reviews.claim(alice, alertId);
    if (state === 'in_review') return alertId;
    if (state === 'cleared') await decide(alice, 'clear');
    else {
      await decide(alice, 'refer');
      if (state === 'seized') await decide(alice, 'seize');
      if (state === 'nothing_found') await decide(alice, 'nothing_found');
    }
    return alertId;
  }

  it('takes every legal transition and refuses every illegal one with 409 and a clear message', async () => {
    for (const state of ALERT_STATUSES) {
      for (const action of USER_ACTIONS) {
        const alertId = await alertIn(state);
        expect((await store.alerts.get(alertId))!.status).toBe(state);
        // The holder acts on its in_review alert; a supervisor on an escalated one.
        const who = state === 'escalated' ? sue : alice;
        const v = await version(alertId);
        const run =
          action === 'claim' ? reviews.claim(who, alertId) : action === 'release' ? reviews.release(who, alertId) : reviews.decide(who, alertId, decisionBody(action, v));
        const expected = transition(state, action);
        if (expected) {
          const after = await run;
          expect(after.status, `${state} --${action}-->`).toBe(expected);
          expect(after.review.version).toBe(v + 1);
        } else {
          const err = await rejects(run);
          expect(err.code, `${state} --${action}--> must be refused`).toBe('illegal_transition');
          expect(err.statusCode).toBe(409);
          expect(err.message).toMatch(new RegExp(`^alert ${alertId} is ${state}; it cannot be `));
          expect(await version(alertId)).toBe(v); // nothing written
        }
      }
    }
    const cleared = await alertIn('cleared');
    expect((await rejects(reviews.claim(bob, cleared))).message).toContain(`alert ${cleared} is cleared; it cannot be claimed`);
  });

  it('lets only the holder (or a supervisor) act on a claimed alert, and only a supervisor decide an escalated one', async () => {
    const a = await alertIn('in_review');
    const claimed = await rejects(reviews.claim(bob, a));
    expect(claimed.code).toBe('claimed');
    expect(claimed.message).toContain('in review by alice');
    expect((await rejects(reviews.decide(bob, a, decisionBody('clear', await version(a))))).code).toBe('forbidden');
    expect((await rejects(reviews.release(bob, a))).code).toBe('forbidden');
    expect((await reviews.decide(sue, a, decisionBody('refer', await version(a)))).status).toBe('referred');

    const e = await alertIn('escalated');
    const refused = await rejects(reviews.decide(alice, e, decisionBody('clear', await version(e))));
    expect(refused.code).toBe('forbidden');
    expect(refused.message).toContain('a supervisor decides it');
    expect((await reviews.decide(sue, e, decisionBody('clear', await version(e)))).status).toBe('cleared');

    const o = await alertIn('open');
    expect((await rejects(reviews.claim(olga, o))).code).toBe('forbidden'); // operators do not review
    expect((await rejects(reviews.claim(otto, o))).code).toBe('not_found'); // nor see other lanes
    const key: Actor = { kind: 'api_key', id: 'k1', name: 'scanner', role: 'inspector', lanes: null };
    expect((await rejects(reviews.claim(key, o))).code).toBe('forbidden');
  });

  it('checks decision bodies: version required, reason for clear, seizure for seize', async () => {
    const a = await alertIn('in_review');
    const v = await version(a);
    const noVersion = await rejects(reviews.decide(alice, a, { decision: 'clear', reason: 'packaging' }));
    expect(noVersion.code).toBe('version_required');
    expect(noVersion.statusCode).toBe(428);
    expect((await rejects(reviews.decide(alice, a, { decision: 'clear', version: v }))).message).toContain('needs a reason');
    expect((await rejects(reviews.decide(alice, a, { decision: 'clear', reason: 'other', version: v }))).message).toContain('needs notes');
    expect((await rejects(reviews.decide(alice, a, { decision: 'refer', reason: 'packaging', version: v }))).code).toBe('bad_request');
    expect((await rejects(reviews.decide(alice, a, { decision: 'refer', seizure: SEIZURE, version: v }))).code).toBe('bad_request');
    const r = await alertIn('referred');
    const rv = await version(r);
    expect((await rejects(reviews.decide(alice, r, { decision: 'seize', version: rv }))).message).toContain('needs the seizure');
    expect((await rejects(reviews.decide(alice, r, { decision: 'seize', seizure: { ...SEIZURE, count: 0 }, version: rv }))).code).toBe('bad_request');
    expect(await version(a)).toBe(v);
  });

  it('expires claims: an expired claim reads as open, can be claimed by another, and the expiry is recorded', async () => {
    const { alertId } = await freshAlert();
    const t0 = clockMs;
    const claimed = await reviews.claim(alice, alertId);
    expect(claimed.review.assignee).toEqual({ id: 'alice', name: 'alice' });
    expect(claimed.review.claimExpiresAt).toBe(new Date(t0 + 15 * 60_000).toISOString());
    expect((await reviews.list(alice, { assignee: 'me', limit: 200 })).items.map((x) => x.id)).toContain(alertId);

    clockMs = t0 + 16 * 60_000;
    try {
      const read = await reviews.get(bob, alertId);
      expect(read.status).toBe('open');
      expect(read.review.assignee).toBeNull();
      expect(read.actions).toContain('claim');
      expect((await reviews.list(bob, { status: 'open', limit: 200 })).items.map((x) => x.id)).toContain(alertId);
      expect((await reviews.list(bob, { status: 'in_review', limit: 200 })).items.map((x) => x.id)).not.toContain(alertId);
      expect((await reviews.list(alice, { assignee: 'me', limit: 200 })).items.map((x) => x.id)).not.toContain(alertId);

      // Alice's decision on her expired claim is refused, saying why.
      const late = await rejects(reviews.decide(alice, alertId, decisionBody('clear', read.review.version)));
      expect(late.code).toBe('illegal_transition');
      expect(late.message).toContain('your claim on alert');

      const taken = await reviews.claim(bob, alertId, { version: read.review.version });
      expect(taken.status).toBe('in_review');
      expect(taken.review.assignee?.id).toBe('bob');
      expect(taken.review.version).toBe(read.review.version + 2); // expiry + claim
      const history = await reviews.history(bob, alertId);
      expect(history.map((h) => [h.action, h.actor.id, h.from, h.to])).toEqual([
        ['claim', 'alice', 'open', 'in_review'],
        ['expire', 'api', 'in_review', 'open'],
        ['claim', 'bob', 'open', 'in_review'],
      ]);
      expect(history[1]!.notes).toContain('claim of alice expired');
      const audit = await store.audit.list({ objectType: 'alert', objectId: alertId, limit: 50 });
      expect(audit.map((x) => x.action)).toEqual(['alert.claimed', 'alert.claim_expired', 'alert.claimed']);
    } finally {
      clockMs = t0;
    }
  });

  it('lets exactly one of two concurrent decisions on the same version win; the other is a conflict naming the winner', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await alertIn('in_review');
      const v = await version(a);
      const results = await Promise.allSettled([
        reviews.decide(alice, a, decisionBody('clear', v)),
        reviews.decide(sue, a, decisionBody('refer', v)),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const err = lost[0]!.reason as ReviewError;
      expect(err).toBeInstanceOf(ReviewError);
      expect(err.code).toBe('conflict');
      expect(err.statusCode).toBe(409);
      const stored = (await store.alerts.get(a))!;
      expect(err.current?.changedBy?.id).toBe(stored.review!.decidedBy!.id);
      expect(err.message).toContain(`by ${stored.review!.decidedBy!.name}`);
      expect(stored.review!.version).toBe(v + 1);
      expect((await store.reviews.history(a)).filter((h) => h.version === v + 1)).toHaveLength(1);
    }

    // Two claims at once, without versions: one holder.
    const o = await alertIn('open');
    const claims = await Promise.allSettled([reviews.claim(alice, o), reviews.claim(bob, o)]);
    expect(claims.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const why = (claims.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as ReviewError;
    expect(['conflict', 'claimed']).toContain(why.code);

    // A stale version sent by a client.
    const s = await alertIn('in_review');
    const stale = await rejects(reviews.decide(alice, s, decisionBody('clear', (await version(s)) - 1)));
    expect(stale.code).toBe('conflict');
    expect(stale.message).toContain('was claimed by alice');
  });

  it('store: the conditional UPDATE lets one of two writes on one version through and writes nothing for the other', async () => {
    const { alertId } = await freshAlert();
    const alert = (await store.alerts.get(alertId))!;
    const head0 = await store.audit.head();
    const write = (who: string) => ({
      changes: [
        {
          alertId,
          expectedVersion: 1,
          status: 'in_review' as const,
          review: { ...alert.review!, version: 2, assignee: { id: who, name: who }, claimExpiresAt: '2030-01-01T00:00:00.000Z' },
          events: [
            { alertId, version: 2, at: new Date().toISOString(), actor: { kind: 'user' as const, id: who, name: who }, action: 'claim' as const, from: 'open' as const, to: 'in_review' as const, decision: null, notes: null, via: null },
          ],
        },
      ],
      audit: [{ actor: { kind: 'user' as const, id: who, name: who }, action: 'alert.claimed' as const, object: { type: 'alert', id: alertId } }],
    });
    const out = await Promise.all([store.reviews.apply(write('x')), store.reviews.apply(write('y'))]);
    expect(out.filter((o) => o.ok)).toHaveLength(1);
    expect(out.filter((o) => !o.ok)).toEqual([{ ok: false, stale: alertId }]);
    expect(await store.reviews.history(alertId)).toHaveLength(1);
    expect((await store.audit.head()).seq).toBe(head0.seq + 1);
  });

  it('writes history (actor, time, notes) and chained audit entries with every transition', async () => {
    const { alertId } = await freshAlert();
    await reviews.claim(alice, alertId, { notes: 'looking' });
    await reviews.decide(alice, alertId, { decision: 'refer', notes: 'dense tusk shapes', version: await version(alertId) });
    await reviews.decide(sue, alertId, { decision: 'seize', seizure: SEIZURE, notes: 'found in log cavities', version: await version(alertId) });
    const h = await reviews.history(sue, alertId);
    expect(h.map((x) => ({ v: x.version, action: x.action, by: x.actor.id, notes: x.notes }))).toEqual([
      { v: 2, action: 'claim', by: 'alice', notes: 'looking' },
      { v: 3, action: 'refer', by: 'alice', notes: 'dense tusk shapes' },
      { v: 4, action: 'seize', by: 'sue', notes: 'found in log cavities' },
    ]);
    expect(h[2]!.decision).toEqual({ decision: 'seize', seizure: SEIZURE, notes: 'found in log cavities' });
    for (const x of h) expect(Date.parse(x.at)).not.toBeNaN();
    const stored = (await store.alerts.get(alertId))!;
    expect(stored.status).toBe('seized');
    expect(stored.review).toMatchObject({ version: 4, assignee: null, decidedBy: { id: 'sue', name: 'sue' }, decision: { decision: 'seize', seizure: SEIZURE } });

    const audit = await store.audit.list({ objectType: 'alert', objectId: alertId, limit: 50 });
    expect(audit.map((x) => [x.action, x.actor.id])).toEqual([
      ['alert.claimed', 'alice'],
      ['alert.decided', 'alice'],
      ['alert.decided', 'sue'],
    ]);
    expect(audit[2]!.after).toMatchObject({ status: 'seized', version: 4, decision: { decision: 'seize' } });
    expect(audit[2]!.before).toMatchObject({ status: 'referred', version: 3 });
    // Consecutive entries are chained.
    const all = await store.audit.list({ afterSeq: audit[0]!.seq - 1, limit: 5000 });
    for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
  });

  it('keeps seen state per user, audited once', async () => {
    const { alertId } = await freshAlert();
    expect((await reviews.get(alice, alertId)).seenAt).toBeNull();
    const first = await reviews.markSeen(alice, alertId);
    expect(first.first).toBe(true);
    const again = await reviews.markSeen(alice, alertId);
    expect(again).toEqual({ seenAt: first.seenAt, first: false });
    expect((await reviews.get(alice, alertId)).seenAt).toBe(first.seenAt);
    expect((await reviews.get(bob, alertId)).seenAt).toBeNull();
    expect((await reviews.list(alice, { limit: 200 })).items.find((x) => x.id === alertId)?.seenAt).toBe(first.seenAt);
    expect(await version(alertId)).toBe(1); // seen never changes the alert
    const audit = await store.audit.list({ objectType: 'alert', objectId: alertId, action: 'alert.seen', limit: 50 });
    expect(audit.map((x) => x.actor.id)).toEqual(['alice']);
  });

  it('shows operators only their lanes', async () => {
    const { alertId } = await freshAlert();
    expect((await reviews.get(olga, alertId)).id).toBe(alertId);
    expect((await reviews.get(olga, alertId)).actions).toEqual([]);
    expect((await rejects(reviews.get(otto, alertId))).code).toBe('not_found');
    expect((await reviews.list(otto, { limit: 200 })).items).toEqual([]);
    expect((await reviews.list(olga, { limit: 200 })).items.map((x) => x.id)).toContain(alertId);
    expect((await rejects(reviews.list(otto, { lane: 'lane-1', limit: 10 }))).code).toBe('forbidden');
  });

  it('records inspection outcomes: referred alerts are decided, the rest stay; audited as scan.inspection_recorded', async () => {
    const { alertId, scanId } = await freshAlert();
    await reviews.claim(alice, alertId);
    await reviews.decide(alice, alertId, decisionBody('refer', await version(alertId)));
    // A second alert on the same scan from another model, still open.
    const other = makeResult(scanId, 1, true, 'b');
    other.stamp = { ...other.stamp, modelVersion: '2.0.0' };
    for (const d of other.detections) d.modelVersion = '2.0.0';
    other.alert = { ...other.alert!, modelVersion: '2.0.0' };
    await store.recordAnalysis([other], { status: 'analysed', verdict: 'alert' });

    expect((await rejects(reviews.recordInspection(otto, scanId, { outcome: 'seized', seizure: SEIZURE }))).code).toBe('forbidden');
    expect((await rejects(reviews.recordInspection(alice, scanId, { outcome: 'seized', seizure: SEIZURE }))).code).toBe('forbidden');
    expect((await rejects(reviews.recordInspection(olga, scanId, { outcome: 'seized' }))).code).toBe('bad_request');
    expect((await rejects(reviews.recordInspection(olga, 'no-such-scan', { outcome: 'nothing_found' }))).code).toBe('not_found');

    const res = await reviews.recordInspection(olga, scanId, { outcome: 'seized', seizure: SEIZURE, notes: 'two tusks in log 4' });
    expect(res.decided.map((a) => [a.id, a.status])).toEqual([[alertId, 'seized']]);
    expect(res.stillOpen.map((a) => a.id)).toEqual([other.alert!.id]);
    expect(res.inspection).toMatchObject({ scanId, outcome: 'seized', seizure: SEIZURE, alertIds: [alertId], actor: { id: 'olga' } });
    const last = (await store.reviews.history(alertId)).at(-1)!;
    expect(last).toMatchObject({ action: 'seize', actor: { id: 'olga' }, via: res.inspection.id, decision: { seizure: SEIZURE } });
    expect(await store.reviews.inspections(scanId)).toEqual([res.inspection]);
    const audit = await store.audit.list({ objectType: 'scan', objectId: scanId, limit: 10 });
    expect(audit.map((x) => x.action)).toEqual(['scan.inspection_recorded']);
    expect(audit[0]!.after).toMatchObject({ outcome: 'seized', alertIds: [alertId] });

    // Nothing found on another held scan.
    const b = await alertIn('referred');
    const scanB = (await store.alerts.get(b))!.scanId;
    const nf = await reviews.recordInspection(sue, scanB, { outcome: 'nothing_found', notes: 'machinery parts' });
    expect(nf.decided.map((a) => a.status)).toEqual(['nothing_found']);
  });

  it('a re-analysis never reopens a decided alert (nor deletes it), and leaves an untouched one to the analysis', async () => {
    const scanId = `scan-${++n}`;
    await store.scans.insert(makeScan(scanId));
    const result = makeResult(scanId, 2, true);
    await store.recordAnalysis([result], { status: 'analysed', verdict: 'alert' });
    const alertId = result.alert!.id;
    await reviews.claim(alice, alertId);
    await reviews.decide(alice, alertId, decisionBody('clear', await version(alertId)));
    const decided = (await store.alerts.get(alertId))!;
    expect(decided.status).toBe('cleared');

    // The same analysis again (a retried job): the alert comes in as `open` with a new score.
    const rerun = makeResult(scanId, 2, true);
    rerun.alert!.score = 0.55;
    await store.recordAnalysis([rerun], { status: 'analysed', verdict: 'alert' });
    const after = (await store.alerts.get(alertId))!;
    expect(after.status).toBe('cleared');
    expect(after.review).toEqual(decided.review);
    expect(after.score).toBe(0.55); // the analysis fields are the latest analysis'
    expect(after.createdAt).toBe(decided.createdAt);
    expect((await store.reviews.history(alertId)).map((h) => h.action)).toEqual(['claim', 'clear']);

    // A re-analysis that no longer raises it keeps the decided alert and its history.
    await store.recordAnalysis([makeResult(scanId, 0, false)], { status: 'analysed', verdict: 'clear' });
    expect((await store.alerts.get(alertId))?.status).toBe('cleared');

    // An alert nobody touched follows the analysis (it goes when no longer raised).
    const { alertId: untouched, scanId: s2 } = await freshAlert();
    await store.recordAnalysis([makeResult(s2, 0, false)], { status: 'analysed', verdict: 'clear' });
    expect(await store.alerts.get(untouched)).toBeUndefined();
  });
});
