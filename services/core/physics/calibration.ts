/**
 * Fits a scanner's response from a scan of known test blocks (a calibration package,
 * docs/calibration-package.md): per energy channel, a non-negative effective spectrum on fixed
 * energy bins, by regularised non-negative least squares.
 *
 * Why this model: transmission is linear in the spectrum weights, T = Σ_b w_b·exp(−μ_m(E_b)·ρt), so a
 * handful of blocks of very different Z (polyethylene … lead) pin down the part of the spectrum that
 * matters for material estimation, even when the true spectrum, filtration and detector are not known
 * (the "estimate each channel's effective spectrum from step-wedge transmissions" practice in
 * ../shared/reference/calibration.md; same idea as the semiempirical model of Lalor & Danagoulian,
 * which rescales attenuation components with a few fitted coefficients per channel). The nominal
 * spectrum of the declared source is the prior for directions the blocks leave undetermined.
 * Scatter, blur and beam hardening are absorbed into the effective weights as far as they can be.
 *
 * Tolerance (documented in docs/calibration-package.md): a region's fitted attenuation must match
 * its measured attenuation within 0.02 + 3 % of the attenuation + 3 standard errors; otherwise the
 * profile is refused with the worst region named.
 */
import { materialInfo, type MaterialId } from './attenuation.ts';
import { channelTransmission, nominalResponse, type ChannelResponse, type ScannerResponse } from './response.ts';
import { declaredEndpoints, energyBins, type Channel, type DeclaredSource } from './spectrum.ts';

export type { DeclaredSource } from './spectrum.ts';

export const CALIBRATION_MATERIALS = ['air', 'polyethylene', 'pmma', 'water', 'graphite', 'aluminium', 'iron', 'copper', 'lead'] as const;
export type CalibrationMaterial = (typeof CALIBRATION_MATERIALS)[number];
export const LOW_Z_CALIBRATION_MATERIALS: readonly CalibrationMaterial[] = ['polyethylene', 'pmma', 'water', 'graphite'];
export const METAL_CALIBRATION_MATERIALS: readonly CalibrationMaterial[] = ['aluminium', 'iron', 'copper', 'lead'];

/** Physics material of a calibration block (null for open beam). */
export function calibrationMaterial(m: CalibrationMaterial): MaterialId | null {
  return m === 'air' ? null : m === 'iron' ? 'steel' : m;
}

export interface RegionMeasurement {
  material: CalibrationMaterial;
  thicknessMm: number;
  /** Overrides the material's nominal density (materials.json). */
  densityGcm3?: number;
  /** Mean attenuation −ln(mean value / airValue) over the region, per channel. */
  attenuation: { high: number; low?: number };
  /** Standard error of that attenuation. */
  stdError: { high: number; low?: number };
  pixels: number;
}

export interface RegionResidual {
  material: string;
  thicknessMm: number;
  channel: Channel;
  measured: number;
  fitted: number;
  residual: number;
  tolerance: number;
}

export type CalibrationFit =
  | { ok: true; response: ScannerResponse; residuals: RegionResidual[]; maxResidual: number; tolerance: string }
  | { ok: false; reason: string; residuals: RegionResidual[] };

export const TOLERANCE_TEXT = '|fitted − measured attenuation| ≤ 0.02 + 0.03·measured + 3·standard error, every region and channel';
export const MIN_REGIONS = 6;

function tolerance(a: number, se: number): number {
  return 0.02 + 0.03 * Math.abs(a) + 3 * se;
}

/** Area density (g/cm²) of a region's block. */
export function regionAreaDensity(r: Pick<RegionMeasurement, 'material' | 'thicknessMm' | 'densityGcm3'>): number {
  const m = calibrationMaterial(r.material);
  if (!m) return 0;
  return (r.densityGcm3 ?? materialInfo(m).densityGcm3) * (r.thicknessMm / 10);
}

/**
 * min ½‖D(Aw − 1)‖² + ½λ‖S⁻¹(w − w0)‖², w ≥ 0, by cyclic coordinate descent on the normal equations
 * (a few dozen unknowns: exact enough and dependency-free).
 */
function nnls(rows: number[][], rowWeights: number[], prior: number[], priorScale: number[], lambda: number): number[] {
  const n = prior.length;
  const Q = Array.from({ length: n }, () => new Float64Array(n));
  const c = new Float64Array(n);
  rows.forEach((row, r) => {
    const w2 = rowWeights[r]! ** 2;
    for (let i = 0; i < n; i++) {
      c[i]! += w2 * row[i]!;
      for (let j = 0; j < n; j++) Q[i]![j]! += w2 * row[i]! * row[j]!;
    }
  });
  for (let i = 0; i < n; i++) {
    const p = lambda / priorScale[i]! ** 2;
    Q[i]![i]! += p;
    c[i]! += p * prior[i]!;
  }
  const w = Float64Array.from(prior);
  for (let sweep = 0; sweep < 20000; sweep++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      let g = c[i]!;
      const qi = Q[i]!;
      for (let j = 0; j < n; j++) if (j !== i) g -= qi[j]! * w[j]!;
      const next = Math.max(0, g / qi[i]!);
      change = Math.max(change, Math.abs(next - w[i]!));
      w[i] = next;
    }
    if (change < 1e-12) break;
  }
  return [...w];
}

function fitChannel(channel: Channel, kind: DeclaredSource['kind'], endpointMeV: number, nominal: ChannelResponse, regions: RegionMeasurement[]): ChannelResponse {
  // Allow the true endpoint to sit a little above the declared one (drift, nominal labels).
  const energies = energyBins(kind, endpointMeV * 1.1);
  const prior = energies.map((e) => {
    const k = nominal.energiesMeV.findIndex((x) => Math.abs(x - e) < 1e-9);
    return k >= 0 ? nominal.weights[k]! : 0;
  });
  const peak = Math.max(...prior);
  const priorScale = prior.map((p) => Math.max(p, 0.05 * peak));
  const rows: number[][] = [];
  const baseWeights: number[] = [];
  for (const r of regions) {
    const a = r.attenuation[channel];
    const se = r.stdError[channel];
    if (a === undefined || se === undefined) continue;
    const mat = calibrationMaterial(r.material);
    const g = regionAreaDensity(r);
    const T = Math.exp(-a);
    rows.push(energies.map((e) => (mat ? channelTransmission({ energiesMeV: [e], weights: [1] }, [{ material: mat, gcm2: g }]) : 1) / T));
    // Open beam pins the gain: weighted up.
    baseWeights.push((mat ? 1 : 10) / Math.sqrt(se * se + 0.005 * 0.005));
  }
  const weights = nnls(rows, baseWeights, prior, priorScale, 1);
  return { energiesMeV: energies, weights };
}

export function fittedAttenuation(ch: ChannelResponse, r: Pick<RegionMeasurement, 'material' | 'thicknessMm' | 'densityGcm3'>): number {
  const mat = calibrationMaterial(r.material);
  const T = channelTransmission(ch, mat ? [{ material: mat, gcm2: regionAreaDensity(r) }] : []);
  return -Math.log(Math.max(T, 1e-12));
}

export function fitCalibration(source: DeclaredSource, regions: RegionMeasurement[]): CalibrationFit {
  const refuse = (reason: string, residuals: RegionResidual[] = []): CalibrationFit => ({ ok: false, reason, residuals });
  if (regions.length < MIN_REGIONS) return refuse(`needs at least ${MIN_REGIONS} regions, has ${regions.length}`);
  if (!regions.some((r) => r.material === 'air')) return refuse('needs an open-beam (air) region');
  if (!regions.some((r) => LOW_Z_CALIBRATION_MATERIALS.includes(r.material))) return refuse('needs a low-Z block (polyethylene, pmma, water or graphite)');
  if (!regions.some((r) => METAL_CALIBRATION_MATERIALS.includes(r.material))) return refuse('needs a metal block (aluminium, iron, copper or lead)');
  const ends = declaredEndpoints(source);
  const nominal = nominalResponse(source);
  const channels: Channel[] = ends.low !== undefined && regions.every((r) => r.attenuation.low !== undefined) ? ['high', 'low'] : ['high'];
  if (ends.low !== undefined && channels.length === 1) return refuse('the source is dual-energy but some regions have no low-energy measurement');
  const fitAll = (rs: RegionMeasurement[]) => {
    const response: ScannerResponse = { kind: source.kind, high: fitChannel('high', source.kind, ends.high, nominal.high, rs) };
    if (channels.includes('low')) response.low = fitChannel('low', source.kind, ends.low!, nominal.low!, rs);
    const residuals: RegionResidual[] = [];
    for (const ch of channels) {
      for (const r of regions) {
        const measured = r.attenuation[ch]!;
        const fitted = fittedAttenuation(response[ch]!, r);
        residuals.push({ material: r.material, thicknessMm: r.thicknessMm, channel: ch, measured, fitted, residual: fitted - measured, tolerance: tolerance(measured, r.stdError[ch] ?? 0) });
      }
    }
    const bad = residuals.filter((r) => Math.abs(r.residual) > r.tolerance);
    return { response, residuals, bad };
  };
  const all = fitAll(regions);
  if (!all.bad.length) {
    return { ok: true, response: all.response, residuals: all.residuals, maxResidual: Math.max(...all.residuals.map((r) => Math.abs(r.residual))), tolerance: TOLERANCE_TEXT };
  }
  // Find the culprit: a block whose declaration contradicts its image drags every other region off
  // the fit; without it the rest fits, and its own residual says how far off it is.
  for (const [k, suspect] of regions.entries()) {
    if (suspect.material === 'air') continue;
    const rest = regions.filter((_, i) => i !== k);
    const loo = fitAll(rest);
    const others = loo.bad.filter((r) => !(r.material === suspect.material && r.thicknessMm === suspect.thicknessMm));
    if (others.length === 0) {
      const own = loo.bad.filter((r) => r.material === suspect.material && r.thicknessMm === suspect.thicknessMm);
      const w = own.reduce((a, b) => (Math.abs(b.residual) > Math.abs(a.residual) ? b : a), own[0]!);
      return refuse(
        `fit residual out of tolerance: ${suspect.material} ${suspect.thicknessMm} mm contradicts the other blocks — measured attenuation ${w.measured.toFixed(3)} (${w.channel}), ` +
          `the fit to the other ${rest.length} regions predicts ${w.fitted.toFixed(3)} (tolerance ±${w.tolerance.toFixed(3)}): check its declared material, thickness and box`,
        loo.residuals,
      );
    }
  }
  const worst = all.bad.reduce((a, b) => (Math.abs(b.residual) / b.tolerance > Math.abs(a.residual) / a.tolerance ? b : a));
  return refuse(
    `fit residual out of tolerance: ${worst.material} ${worst.thicknessMm} mm (${worst.channel}) measured attenuation ${worst.measured.toFixed(3)}, ` +
      `fitted ${worst.fitted.toFixed(3)}, tolerance ±${worst.tolerance.toFixed(3)}; ${all.bad.length} region/channel values out of tolerance — check the declared materials/thicknesses and the region boxes`,
    all.residuals,
  );
}
