/**
 * Makes a quarantined package visible: after the package has been moved to the rejected
 * directory with its reason.json (./quarantine.ts — the package is safe at that point), this
 * stores a row for GET /v1/rejections, publishes a `scan.rejected` event and appends a
 * `scan.rejected` audit entry. Best effort by design: if the database or Redis is away, the
 * package and its reason stay on disk and the failure is logged.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { systemActor } from '#services/core/access.ts';
import type { EventPublisher } from '#services/events/events.ts';
import type { Rejection } from '#services/store/repositories/rejections.ts';
import type { Store } from '#services/store/types.ts';
import type { RejectionReason } from './quarantine.ts';

export interface RejectionRecorderDeps {
  store: Store;
  events?: EventPublisher;
  rejectedDir: string;
  log?: (msg: string) => void;
}

const LANE_ID = /^[^\u0000-\u001f\u007f]{1,128}$/;

/** The lane a quarantined scan package declared, if its scan.json is readable that far. */
async function laneOf(quarantinedTo: string): Promise<string | null> {
  try {
    const json = JSON.parse(await fs.readFile(path.join(quarantinedTo, 'scan.json'), 'utf8')) as { laneId?: unknown };
    return typeof json.laneId === 'string' && LANE_ID.test(json.laneId) ? json.laneId : null;
  } catch {
    return null;
  }
}

export async function recordRejection(deps: RejectionRecorderDeps, quarantinedTo: string): Promise<Rejection | undefined> {
  const log = deps.log ?? (() => {});
  let reason: RejectionReason;
  try {
    reason = JSON.parse(await fs.readFile(path.join(quarantinedTo, 'reason.json'), 'utf8')) as RejectionReason;
  } catch (err) {
    log(`rejection at ${path.basename(quarantinedTo)} not recorded: reason.json unreadable: ${(err as Error).message}`);
    return undefined;
  }
  const quarantinedAs = path.relative(deps.rejectedDir, quarantinedTo);
  const rejection: Rejection = {
    id: `rej-${createHash('sha256').update(`${quarantinedAs}\n${reason.rejectedAt}`).digest('hex').slice(0, 24)}`,
    packageName: reason.originalName,
    kind: reason.calibrationId !== undefined ? 'calibration' : reason.scanId !== undefined ? 'scan' : 'unknown',
    laneId: await laneOf(quarantinedTo),
    scanId: reason.scanId ?? null,
    code: reason.code,
    // Absolute server paths stay on the server: operators see the package by its name.
    message: reason.message.split(path.resolve(deps.rejectedDir)).join('<rejected>'),
    field: reason.field ?? null,
    rejectedAt: reason.rejectedAt,
    quarantinedAs,
  };
  try {
    await deps.store.rejections.insert(rejection);
    await deps.store.audit.append({
      actor: systemActor('adapter'),
      action: 'scan.rejected',
      object: { type: rejection.scanId ? 'scan' : 'package', id: rejection.scanId ?? rejection.packageName },
      after: { rejectionId: rejection.id, code: rejection.code, message: rejection.message, laneId: rejection.laneId, quarantinedAs },
    });
  } catch (err) {
    log(`rejection of ${rejection.packageName} not stored (the package and its reason.json are in ${quarantinedAs}): ${(err as Error).message}`);
    return undefined;
  }
  try {
    await deps.events?.publish({
      type: 'scan.rejected',
      rejectionId: rejection.id,
      packageName: rejection.packageName,
      laneId: rejection.laneId,
      scanId: rejection.scanId,
      code: rejection.code,
      message: rejection.message,
      at: rejection.rejectedAt,
    });
  } catch (err) {
    log(`event scan.rejected for ${rejection.packageName} not published: ${(err as Error).message}`);
  }
  return rejection;
}
