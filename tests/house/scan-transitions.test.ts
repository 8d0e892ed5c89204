/**
 * The scan lifecycle as data (issue 9 §0): every (from, to) pair of SCAN_STATUSES is checked
 * against the moves the system makes, written out here independently of the table; and a
 * grep-style check that nothing outside the one writer (services/scans/lifecycle.ts) and the store
 * itself inserts scans or changes their status (tests excluded).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCAN_STATUSES, type ScanStatus } from '#services/core/domain.ts';
import {
  allowedFrom,
  FINISHED_SCAN_STATUSES,
  illegalScanTransitionMessage,
  INITIAL_SCAN_STATUS,
  mayTransition,
  SCAN_TRANSITIONS,
  ScanTransitionError,
  UNFINISHED_SCAN_STATUSES,
} from '#services/core/scan-lifecycle.ts';

/** The legal moves, by hand. */
const LEGAL = new Set([
  'received→queued', // ingest (or the reconciler) before adding the job
  'received→failed', // a job failed for good before the queued write
  'queued→analysing', // a worker starts
  'queued→failed', // a job refused before it starts (content changed, no active model)
  'analysing→analysing', // a retried or stalled job starts again
  'analysing→analysed',
  'analysing→failed',
  'analysed→queued', // re-analysis
  'failed→queued', // re-analysis
]);

const PAIRS = SCAN_STATUSES.flatMap((from) => SCAN_STATUSES.map((to) => [from, to] as [ScanStatus, ScanStatus]));

describe('scan transition table', () => {
  it('covers every status, and only statuses', () => {
    expect(Object.keys(SCAN_TRANSITIONS).sort()).toEqual([...SCAN_STATUSES].sort());
    for (const to of Object.values(SCAN_TRANSITIONS).flat()) expect(SCAN_STATUSES).toContain(to);
    expect(PAIRS).toHaveLength(25);
  });

  it.each(PAIRS)('%s → %s', (from, to) => {
    const legal = LEGAL.has(`${from}→${to}`);
    expect(mayTransition(from, to)).toBe(legal);
    expect(allowedFrom(to).includes(from)).toBe(legal);
    if (!legal) expect(illegalScanTransitionMessage('S-1', from, to)).toMatch(new RegExp(`^scan S-1 is ${from}; it cannot become ${to} \\(from ${from} it can become `));
  });

  it('inserts as received and never returns there; a finished analysis is left only for a new one', () => {
    expect(INITIAL_SCAN_STATUS).toBe('received');
    expect(allowedFrom('received')).toEqual([]);
    expect(mayTransition('analysed', 'failed')).toBe(false);
    for (const s of FINISHED_SCAN_STATUSES) expect(SCAN_TRANSITIONS[s]).toEqual(['queued']);
    expect([...UNFINISHED_SCAN_STATUSES, ...FINISHED_SCAN_STATUSES].sort()).toEqual([...SCAN_STATUSES].sort());
  });

  it('says what went wrong', () => {
    const err = new ScanTransitionError('S-1', 'analysed', 'failed');
    expect(err).toMatchObject({ statusCode: 409, code: 'illegal_transition', from: 'analysed', to: 'failed' });
    expect(err.message).toBe('scan S-1 is analysed; it cannot become failed (from analysed it can become queued)');
    expect(new ScanTransitionError('S-2', undefined, 'queued').message).toBe('scan S-2 does not exist; it cannot become queued');
  });
});

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Inserting a scan, changing its status, or the scan patch of recordAnalysis. */
const WRITES = /\bscans\s*\.\s*(?:updateStatus|insert)\s*\(|\.recordAnalysis\s*\(/;
/** The store defines them; the lifecycle is their one caller. */
const WRITERS = (rel: string) => rel.startsWith('services/store/') || rel === 'services/scans/lifecycle.ts';

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

describe('one writer of scans', () => {
  const sources = ['services', 'workers', 'scanner-adapter', 'models'].flatMap((top) => walk(path.join(ROOT, top))).map((f) => path.relative(ROOT, f));

  it('nothing outside services/scans/lifecycle.ts and the store inserts scans or changes their status', () => {
    const offenders = sources
      .filter((rel) => !WRITERS(rel))
      .flatMap((rel) =>
        fs
          .readFileSync(path.join(ROOT, rel), 'utf8')
          .split('\n')
          .flatMap((line, i) => (WRITES.test(line) ? [`${rel}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });

  it('sees the real writer (so it would see a second one)', () => {
    const lifecycle = fs.readFileSync(path.join(ROOT, 'services/scans/lifecycle.ts'), 'utf8');
    for (const call of ['scans.insert(', 'scans.updateStatus(', '.recordAnalysis(']) expect(lifecycle).toContain(call);
    expect(WRITES.test('await deps.store.scans.updateStatus(id, { status: "failed" })')).toBe(true);
    expect(WRITES.test('await store.scans.insert(record)')).toBe(true);
    expect(WRITES.test('await this.store.recordAnalysis(results, patch)')).toBe(true);
    expect(sources).toContain('workers/src/handlers/analyse-scan.ts');
  });
});
