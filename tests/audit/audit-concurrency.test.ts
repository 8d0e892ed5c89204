/**
 * Appends from two OS processes at once keep one unbroken chain, on SQLite (one file, WAL) and on
 * PostgreSQL (one schema): the head-row UPDATE that opens every append must serialise them. The
 * children open their stores first and start appending on a signal, so their appends overlap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '#services/audit/audit-service.ts';
import { backends } from '../store/backends.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PER_CHILD = 200;

function child(tag: string, env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/audit-append-child.ts', String(PER_CHILD), tag], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'silent' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => (out.includes('ready\n') ? resolve() : undefined);
    proc.stdout.on('data', check);
    proc.on('exit', (code) => reject(new Error(`child ${tag} exited (${code}) before it was ready: ${out}`)));
  });
  const exited = new Promise<{ code: number | null; out: string }>((resolve) => proc.on('exit', (code) => resolve({ code, out })));
  return { proc, ready, exited };
}

describe.each(backends)('audit appends from two processes on $name', (backend) => {
  const procs: ChildProcess[] = [];
  let cleanup: (() => Promise<void>) | undefined;

  afterEach(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill();
    procs.length = 0;
    await cleanup?.();
  });

  it(`keeps one chain of ${2 * PER_CHILD} entries without a duplicate or missing seq`, async () => {
    const opened = await backend.open();
    cleanup = opened.cleanup;
    const { store, env } = opened;
    const a = child('p1', env);
    const b = child('p2', env);
    procs.push(a.proc, b.proc);
    await Promise.all([a.ready, b.ready]);
    a.proc.stdin!.write('go\n');
    b.proc.stdin!.write('go\n');
    const results = await Promise.all([a.exited, b.exited]);
    expect(results.map((r) => (r.code === 0 ? 'ok' : r.out))).toEqual(['ok', 'ok']);

    const r = await verifyChain(store.audit);
    expect(r).toMatchObject({ ok: true, entries: 2 * PER_CHILD, head: { seq: 2 * PER_CHILD } });
    const all = [];
    for await (const e of store.audit.iterate()) all.push(e);
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 2 * PER_CHILD }, (_, i) => i + 1));
    // Every entry of both children is there once, each child's in its own order.
    const ids = all.map((e) => e.object!.id);
    expect(new Set(ids).size).toBe(2 * PER_CHILD);
    for (const tag of ['p1', 'p2']) {
      const mine = ids.filter((id) => id.startsWith(`${tag}-`)).map((id) => Number(id.slice(3)));
      expect(mine).toEqual(Array.from({ length: PER_CHILD }, (_, i) => i));
    }
    // They did append at the same time: each started before the other had finished.
    const time = (out: string, word: string) => Number(new RegExp(`${word} (\\d+)`).exec(out)![1]);
    const [ra, rb] = results as [{ out: string }, { out: string }];
    expect(Math.max(time(ra.out, 'started'), time(rb.out, 'started'))).toBeLessThan(Math.min(time(ra.out, 'done'), time(rb.out, 'done')));
    // PostgreSQL queues waiters on the head row in order, so the chain alternates between them. SQLite's
    // lock is not fair (a waiter sleeps while the other takes the lock again), so one may go first.
    const switches = ids.slice(1).filter((id, i) => id.slice(0, 2) !== ids[i]!.slice(0, 2)).length;
    if (backend.name === 'postgres') expect(switches).toBeGreaterThan(1);
  }, 120_000);
});
