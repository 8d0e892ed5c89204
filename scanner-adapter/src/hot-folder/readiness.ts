/**
 * When is a package in the inbox ready? When scan.json (calibration.json for a calibration
 * package) is present and parses, every image it names is present, and no file's size or
 * mtime has changed for `settleMs`. Scanners that write scan.json last are picked up after
 * the settle time; a package moved in whole, whose files were last written longer ago than the
 * settle time, is ready on the second poll that sees it unchanged; slow writers are waited for.
 * Entries that can never become ready (unparsable scan.json, a stray file) are reported as
 * stuck after `stuckMs` of no change.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export type Readiness =
  | { state: 'waiting' }
  | { state: 'ready' }
  | { state: 'stuck'; code: string; message: string };

interface Seen {
  signature: string;
  since: number;
}

export class ReadinessTracker {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly settleMs: number,
    private readonly stuckMs: number,
  ) {}

  forget(entry: string): void {
    this.seen.delete(entry);
  }

  /** Keep only entries still present, so the map cannot grow without bound. */
  retain(present: Set<string>): void {
    for (const k of this.seen.keys()) if (!present.has(k)) this.seen.delete(k);
  }

  async check(entry: string, now = Date.now()): Promise<Readiness> {
    // lstat: a link is never followed out of the inbox, and a FIFO or device is never opened
    // (reading a FIFO named scan.json would block the adapter for good).
    const stat = await fs.lstat(entry);
    if (!stat.isDirectory() && !stat.isFile()) {
      return { state: 'stuck', code: 'not_a_regular_file', message: `${describeType(stat)} in the inbox: only directories of regular files are read` };
    }
    if (!stat.isDirectory()) {
      const quiet = this.quietFor(entry, `${stat.size}:${stat.mtimeMs}`, now);
      return quiet >= this.stuckMs
        ? { state: 'stuck', code: 'not_a_package', message: 'a scan package must be a directory holding scan.json and its images' }
        : { state: 'waiting' };
    }
    const files = await fs.readdir(entry, { withFileTypes: true });
    const odd = files.find((f) => !f.isFile() && !f.isDirectory());
    if (odd) {
      return { state: 'stuck', code: 'not_a_regular_file', message: `${odd.name} is a ${describeType(odd)}: a package holds regular files only` };
    }
    const sig: string[] = [];
    let newest = 0;
    for (const f of files) {
      if (!f.isFile()) continue;
      const s = await fs.stat(path.join(entry, f.name));
      sig.push(`${f.name}:${s.size}:${s.mtimeMs}`);
      newest = Math.max(newest, s.mtimeMs);
    }
    const quiet = this.quietFor(entry, sig.sort().join('|'), now);
    // A package moved in whole (written elsewhere, then renamed into the inbox) has files last
    // written longer than the settle time ago: once two polls have seen it unchanged it is ready
    // without waiting the settle time again (a file still being written has a fresh mtime). Only
    // readiness uses this; what counts as stuck is measured from what this process saw.
    const settled = quiet >= this.settleMs || (quiet > 0 && now - newest >= this.settleMs);

    let images: string[] | undefined;
    let problem: { code: string; message: string } | undefined;
    // A calibration package is the same shape with calibration.json instead of scan.json.
    const metaFile = files.some((f) => f.isFile() && f.name === 'calibration.json') ? 'calibration.json' : 'scan.json';
    try {
      const json = JSON.parse(await fs.readFile(path.join(entry, metaFile), 'utf8')) as { images?: Record<string, unknown> };
      images = Object.values(json.images ?? {}).filter((v): v is string => typeof v === 'string');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing_scan_json' : 'bad_json';
      problem = {
        code,
        message: code === 'bad_json' ? `${metaFile} does not parse: ${(err as Error).message}` : 'scan.json (or calibration.json) is missing',
      };
    }
    if (problem) return quiet >= this.stuckMs ? { state: 'stuck', ...problem } : { state: 'waiting' };
    const names = new Set(files.filter((f) => f.isFile()).map((f) => f.name));
    // Names with separators are not waited for: the validator rejects them with a reason.
    const missing = (images ?? []).filter((n) => !n.includes('/') && !n.includes('\\') && !names.has(n));
    if (missing.length > 0) {
      return quiet >= this.stuckMs
        ? { state: 'stuck', code: 'image_missing', message: `image(s) named in ${metaFile} never arrived: ${missing.join(', ')}` }
        : { state: 'waiting' };
    }
    return settled ? { state: 'ready' } : { state: 'waiting' };
  }

  private quietFor(entry: string, signature: string, now: number): number {
    const prev = this.seen.get(entry);
    if (!prev || prev.signature !== signature) {
      this.seen.set(entry, { signature, since: now });
      return 0;
    }
    return now - prev.since;
  }
}

/** What a non-regular directory entry is, for the rejection message. */
function describeType(s: { isSymbolicLink(): boolean; isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (s.isSymbolicLink()) return 'symbolic link';
  if (s.isFIFO()) return 'FIFO (named pipe)';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice() || s.isCharacterDevice()) return 'device';
  return 'special file';
}
