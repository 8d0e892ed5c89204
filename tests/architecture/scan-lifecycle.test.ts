/**
 * One writer of scan status (issue 9 §0): outside the store itself, only services/scans/lifecycle.ts
 * may insert scans or change their status (tests excluded); and the lifecycle's transition table
 * allows exactly the moves the system makes — checked pair by pair.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mayTransition, SCAN_STATUSES, SCAN_TRANSITIONS_FROM } from '#services/core/scan-lifecycle.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const WRITES = /\bscans\.updateStatus\(|\bscans\.insert\(|\.recordAnalysis\(/;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('scan lifecycle', () => {
  it('has one writer: nothing outside the store and services/scans/lifecycle.ts writes scan status', () => {
    const writers = ['services', 'workers', 'scanner-adapter', 'models']
      .flatMap((top) => walk(path.join(ROOT, top)))
      .map((f) => path.relative(ROOT, f))
      .filter((f) => !f.startsWith('services/store/') && f !== 'services/scans/lifecycle.ts')
      .filter((f) => WRITES.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(writers).toEqual([]);
    // The check sees the real writer (it would catch a second one).
    expect(WRITES.test(fs.readFileSync(path.join(ROOT, 'services/scans/lifecycle.ts'), 'utf8'))).toBe(true);
  });

  it('allows exactly these moves', () => {
    const allowed = SCAN_STATUSES.flatMap((from) => SCAN_STATUSES.filter((to) => mayTransition(from, to)).map((to) => `${from}→${to}`));
    expect(allowed.sort()).toEqual(
      [
        'received→queued',
        'received→failed',
        'queued→queued',
        'queued→analysing',
        'queued→failed',
        'analysing→analysing',
        'analysing→analysed',
        'analysing→failed',
        'analysed→queued',
        'failed→queued',
      ].sort(),
    );
    expect(SCAN_TRANSITIONS_FROM.received).toEqual([]);
    // Never over a finished analysis.
    expect(mayTransition('analysed', 'failed')).toBe(false);
  });
});
