/**
 * Ingest of calibration packages (docs/calibration-package.md), which arrive in the same hot
 * folder as scans: read and measure, fit the scanner's response, store the profile (active, or
 * refused with the reason so operators see it), announce it (`calibration.profile` event, best
 * effort), and only then remove the package from the inbox — or quarantine it, with the same
 * reason.json as a rejected scan. As for scans, the order makes a crash harmless: a package still
 * in the inbox is ingested again and takes the duplicate path.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fitCalibration } from '#services/core/physics/calibration.ts';
import { systemActor } from '#services/core/access.ts';
import type { EventPublisher } from '#services/events/events.ts';
import { sha256File } from '#services/storage/image-store.ts';
import type { CalibrationProfile, NewCalibrationProfile, Store } from '#services/store/types.ts';
import { CalibrationPackageError, readCalibrationPackage } from '../calibration-package/read.ts';
import { CALIBRATION_JSON } from '../calibration-package/types.ts';
import { quarantine, removeIngested } from './quarantine.ts';

export type CalibrationIngestOutcome =
  | { kind: 'calibration'; calibrationId: string; profileId: string; version: number; duplicate: boolean }
  | { kind: 'rejected'; code: string; message: string; quarantinedTo: string; profileId?: string };

export interface CalibrationIngestDeps {
  store: Store;
  rejectedDir: string;
  /** Announces each newly stored profile (`calibration.profile`); optional, never required for an ingest. */
  events?: EventPublisher;
  log?: (msg: string) => void;
}

/** True when the inbox entry is a calibration package (it holds calibration.json). */
export async function isCalibrationPackage(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(path.join(dir, CALIBRATION_JSON))).isFile();
  } catch {
    return false;
  }
}

/** Id of a stored profile: a function of the content, so a re-dropped package maps to its row. */
export function calibrationProfileId(contentSha256: string): string {
  return `cal-${contentSha256.slice(0, 32)}`;
}

/**
 * Ingests one ready calibration package.
 * @throws for infrastructure trouble (database down, I/O errors): the package stays in the
 * inbox and the hot folder retries it, as for scans.
 */
export async function ingestCalibration(dir: string, deps: CalibrationIngestDeps): Promise<CalibrationIngestOutcome> {
  const { store, rejectedDir } = deps;
  const log = deps.log ?? (() => {});
  let pkg;
  try {
    pkg = await readCalibrationPackage(dir);
  } catch (err) {
    if (!(err instanceof CalibrationPackageError)) throw err; // I/O trouble: leave it for the next poll
    const calibrationId = await peekCalibrationId(dir);
    const to = await quarantine(dir, rejectedDir, { code: err.code, message: err.message, field: err.field, calibrationId });
    log(`rejected calibration ${path.basename(dir)}: ${err.code}: ${err.message}`);
    return { kind: 'rejected', code: err.code, message: err.message, quarantinedTo: to };
  }

  const meta = pkg.metadata;
  const hash = createHash('sha256').update(pkg.metadataBytes);
  for (const energy of ['high', 'low'] as const) {
    const file = pkg.imagePaths[energy];
    if (file) hash.update(`\n${energy}:${(await sha256File(file)).sha256}`);
  }
  const contentSha256 = hash.digest('hex');

  const fit = fitCalibration(meta.source, pkg.measurements);
  const maxResidual = fit.residuals.length ? Math.max(...fit.residuals.map((r) => Math.abs(r.residual))) : null;
  const profile: NewCalibrationProfile = {
    id: calibrationProfileId(contentSha256),
    calibrationId: meta.calibrationId,
    contentSha256,
    scanner: { serial: meta.scanner.serial, vendor: meta.scanner.vendor ?? null, model: meta.scanner.model ?? null },
    source: meta.source,
    acquiredAt: new Date(meta.acquiredAt).toISOString(),
    receivedAt: new Date().toISOString(),
    status: fit.ok ? 'active' : 'refused',
    reason: fit.ok ? null : fit.reason,
    response: fit.ok ? fit.response : null,
    residuals: fit.residuals,
    maxResidual: fit.ok ? fit.maxResidual : maxResidual,
    tolerance: fit.ok ? fit.tolerance : null,
    measurements: pkg.measurements,
    metadata: meta,
    calibrationJson: pkg.metadataBytes.toString('utf8'),
  };

  // Accepted or refused, the profile is audited in the transaction that stores it (a re-dropped
  // duplicate stores nothing, so it adds no entry).
  const stored = await store.calibrations.insert(profile, (p) => ({
    actor: systemActor('adapter'),
    action: p.status === 'active' ? 'calibration.accepted' : 'calibration.refused',
    object: { type: 'calibration_profile', id: p.id },
    after: { calibrationId: p.calibrationId, serial: p.scanner.serial, sourceKind: p.source.kind, version: p.version, maxResidual: p.maxResidual, reason: p.reason },
  }));
  if (stored.outcome === 'conflict') {
    const message =
      `calibrationId ${meta.calibrationId} is already stored with different content as active profile ` +
      `${stored.profile.id} (version ${stored.profile.version}); refusing to overwrite it`;
    const to = await quarantine(dir, rejectedDir, {
      code: 'calibration_id_conflict',
      message,
      field: 'calibrationId',
      calibrationId: meta.calibrationId,
    });
    log(`rejected calibration ${meta.calibrationId}: conflict`);
    return { kind: 'rejected', code: 'calibration_id_conflict', message, quarantinedTo: to };
  }

  const p = stored.profile;
  const duplicate = stored.outcome === 'duplicate';
  // A re-dropped package stored nothing new, so there is nothing to announce.
  if (!duplicate) await announce(deps, p);
  if (p.status === 'refused') {
    // Stored first (operators see it at the API), then quarantined with the same reason.
    const message = `calibration fit refused: ${p.reason ?? 'no reason given'}`;
    const to = await quarantine(dir, rejectedDir, { code: 'calibration_refused', message, calibrationId: meta.calibrationId, profileId: p.id });
    log(`refused calibration ${meta.calibrationId} (${p.scanner.serial} ${p.source.kind} v${p.version}): ${p.reason}`);
    return { kind: 'rejected', code: 'calibration_refused', message, quarantinedTo: to, profileId: p.id };
  }
  await removeIngested(dir);
  log(
    duplicate
      ? `duplicate calibration ${meta.calibrationId} acknowledged (profile ${p.id})`
      : `calibration ${meta.calibrationId} stored: ${p.scanner.serial} ${p.source.kind} version ${p.version}, max residual ${p.maxResidual?.toFixed(4)}`,
  );
  return { kind: 'calibration', calibrationId: meta.calibrationId, profileId: p.id, version: p.version, duplicate };
}

/** Events are notifications; the store has the profile. A Redis blip must not fail (and re-run) the ingest. */
async function announce(deps: CalibrationIngestDeps, p: CalibrationProfile): Promise<void> {
  try {
    await deps.events?.publish({
      type: 'calibration.profile',
      profileId: p.id,
      calibrationId: p.calibrationId,
      serial: p.scanner.serial,
      sourceKind: p.source.kind,
      status: p.status,
      version: p.version,
      reason: p.reason,
      at: p.receivedAt,
    });
  } catch (err) {
    deps.log?.(`event calibration.profile for ${p.id} not published: ${(err as Error).message}`);
  }
}

/** Best effort: the calibrationId of a package that failed validation, to name its quarantine folder. */
async function peekCalibrationId(dir: string): Promise<string | undefined> {
  try {
    const json = JSON.parse(await fs.readFile(path.join(dir, CALIBRATION_JSON), 'utf8')) as { calibrationId?: unknown };
    return typeof json.calibrationId === 'string' ? json.calibrationId : undefined;
  } catch {
    return undefined;
  }
}
