/**
 * Which scanner response the analysis of a scan uses: the newest calibration profile of the scan's
 * scanner (serial + source kind, acquired before the scan, same declared energies), or else the
 * nominal response of the declared source — and says which, so the scan record shows
 * `calibration: profile` (with the profile's id and version) or `calibration: nominal`.
 */
import type { ScanCalibration, ScanMetadata } from '#services/core/domain.ts';
import { declaredEndpoints } from '#services/core/physics/spectrum.ts';
import { nominalResponse, type ScannerResponse } from '#services/core/physics/response.ts';
import type { Store } from '#services/store/types.ts';

function sameEnergies(a: ScanMetadata['source'], b: ScanMetadata['source']): boolean {
  if (a.kind !== b.kind) return false;
  const ea = declaredEndpoints(a);
  const eb = declaredEndpoints(b);
  const close = (x?: number, y?: number) => (x === undefined ? y === undefined : y !== undefined && Math.abs(x - y) <= 1e-6 * Math.max(1, x));
  return close(ea.high, eb.high) && close(ea.low, eb.low);
}

export async function scannerResponseFor(store: Store, meta: ScanMetadata): Promise<{ response: ScannerResponse; calibration: ScanCalibration }> {
  const serial = meta.scanner?.serial;
  if (serial) {
    const profile = await store.calibrations.findCalibrationProfile(serial, meta.source.kind, meta.scannedAt);
    if (profile?.response && sameEnergies(profile.source, meta.source)) {
      return { response: profile.response, calibration: { mode: 'profile', profileId: profile.id, version: profile.version } };
    }
  }
  return { response: nominalResponse(meta.source), calibration: { mode: 'nominal', profileId: null, version: null } };
}
