/**
 * Quarantine: a package (or stray file) that cannot be accepted is moved, never deleted,
 * to <rejectedDir>/<scanId, calibrationId or name>/ with a reason.json that says why; and an
 * ingested package leaves the inbox in one step (removeIngested).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface RejectionReason {
  code: string;
  message: string;
  field?: string;
  /** Name of the package directory (or file) as it arrived in the inbox. */
  originalName: string;
  scanId?: string;
  /** Calibration packages: their calibrationId, and the refused profile stored for them, if any. */
  calibrationId?: string;
  profileId?: string;
  rejectedAt: string;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

/** Moves `source` into the rejected area; returns the quarantine directory. */
export async function quarantine(source: string, rejectedDir: string, reason: Omit<RejectionReason, 'rejectedAt' | 'originalName'>): Promise<string> {
  const originalName = path.basename(source);
  const id = reason.scanId ?? reason.calibrationId;
  const safeName = (id && /^[A-Za-z0-9._-]{1,128}$/.test(id) ? id : originalName).replace(/[^A-Za-z0-9._-]/g, '_');
  await fs.mkdir(rejectedDir, { recursive: true });
  let target = path.join(rejectedDir, safeName);
  // Never overwrite an earlier rejection: the first one may be evidence.
  for (let n = 1; await exists(target); n++) target = path.join(rejectedDir, `${safeName}.${n}`);
  // lstat: a symbolic link is moved as a link, never followed (its reason.json must not land where it points).
  const stat = await fs.lstat(source);
  const payloadDir = stat.isDirectory() ? target : path.join(target, 'payload');
  await fs.mkdir(path.dirname(payloadDir), { recursive: true });
  try {
    await fs.rename(source, payloadDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await fs.cp(source, payloadDir, { recursive: true });
    await fs.rm(source, { recursive: true, force: true });
  }
  if (!stat.isDirectory()) await fs.rename(path.join(target, 'payload'), path.join(target, originalName));
  const full: RejectionReason = { ...reason, originalName, rejectedAt: new Date().toISOString() };
  await fs.writeFile(path.join(target, 'reason.json'), JSON.stringify(full, null, 2) + '\n');
  return target;
}

/** Prefix of an ingested package on its way out of the inbox (hidden: the poll skips dot names). */
export const REMOVING_PREFIX = '.done-';

/**
 * Takes an ingested package out of the inbox in one step: renamed to a hidden name first, then
 * deleted. A process killed inside a plain recursive delete would leave half a package in the
 * inbox (scan.json gone, a TIFF left), which the next start would take for an incomplete drop
 * and quarantine; a hidden leftover is only swept (sweepRemoved).
 */
export async function removeIngested(dir: string): Promise<void> {
  const hidden = path.join(path.dirname(dir), `${REMOVING_PREFIX}${path.basename(dir)}-${process.pid}-${Date.now().toString(36)}`);
  try {
    await fs.rename(dir, hidden);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  await fs.rm(hidden, { recursive: true, force: true });
}

/** Deletes what a killed process left behind of removeIngested in `inboxDir`. */
export async function sweepRemoved(inboxDir: string, names: string[]): Promise<void> {
  for (const n of names) if (n.startsWith(REMOVING_PREFIX)) await fs.rm(path.join(inboxDir, n), { recursive: true, force: true }).catch(() => {});
}
