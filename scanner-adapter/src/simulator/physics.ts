/**
 * The simulator's physics is the project's physics: NIST attenuation and parametrised spectra
 * live in services/core/physics so that the calibration fit and the worker's scanner-independent
 * inputs use exactly the same numbers. This module re-exports them for the simulator.
 *
 * Approximations (documented): parallel beam; spectra are coarse analytic bins (Kramers-law shape),
 * not Monte-Carlo bremsstrahlung; detector efficiency uses iron/copper/lead-equivalent absorbers
 * (no CdWO4/CsI tables in the reference set); no build-up factors (scatter only via the fog term in
 * detector.ts).
 */
export { interpolateLogLog, massAttenuation, materialInfo, MATERIAL_IDS, parseNistCsv, type MaterialId, type NistTable } from '#services/core/physics/attenuation.ts';
export {
  SOURCE_ENDPOINTS,
  channelSpectrum,
  nominalChannel,
  nominalScanner,
  sourceSpectrum,
  type Channel,
  type ChannelPhysics,
  type ScannerPhysics,
  type SourceKind,
  type Spectrum,
} from '#services/core/physics/spectrum.ts';
