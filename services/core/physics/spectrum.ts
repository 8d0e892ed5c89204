/**
 * Source spectra as an energy-integrating detector sees them, for any scanner: endpoint energy,
 * filtration and detector absorber are parameters. The simulator draws these per virtual scanner;
 * the worker uses the *nominal* set for a declared source when a scanner has no calibration
 * profile; the calibration fit starts from the nominal set as its prior.
 *
 * Model: thick-target Kramers shape N(E) ∝ (E0 − E)/E in fixed bins, attenuated by the filters,
 * weighted by E (energy-integrating) and by the detector's absorption 1 − exp(−μρt).
 * Detector absorbers are stand-ins (iron, copper or lead equivalent): the reference set has no
 * CdWO4/CsI tables. docs/simulator.md lists the ranges drawn.
 */
import { massAttenuation, materialInfo, type MaterialId } from './attenuation.ts';

export type SourceKind = 'linac' | 'tube';
export type Channel = 'high' | 'low';

export interface Absorber {
  material: MaterialId;
  /** Thickness in cm. */
  cm: number;
}

export interface ChannelPhysics {
  endpointMeV: number;
  filtration: Absorber[];
  detector: Absorber;
}

export interface ScannerPhysics {
  kind: SourceKind;
  high: ChannelPhysics;
  low?: ChannelPhysics;
}

/** A source as scan.json and calibration.json declare it. */
export type DeclaredSource = { kind: 'linac'; highMeV: number; lowMeV?: number } | { kind: 'tube'; highKVp: number; lowKVp?: number };

export interface Spectrum {
  /** Bin centre energies, MeV. */
  energiesMeV: number[];
  /** Detector-weighted weights (photon number × energy × detection efficiency), normalised to sum 1. */
  weights: number[];
  endpointMeV: number;
  description: string;
}

/** Bin grid of a source kind: linac 0.5 MeV bins from 0.25 MeV, tube 10 keV bins from 15 keV. */
export function energyBins(kind: SourceKind, endpointMeV: number): number[] {
  const step = kind === 'linac' ? 0.5 : 0.01;
  const start = kind === 'linac' ? 0.25 : 0.015;
  const out: number[] = [];
  for (let E = start; E < endpointMeV - 1e-9; E += step) out.push(Math.round(E * 1e6) / 1e6);
  if (!out.length) out.push(Math.round((endpointMeV / 2) * 1e6) / 1e6);
  return out;
}

export function channelSpectrum(kind: SourceKind, ch: ChannelPhysics): Spectrum {
  const E0 = ch.endpointMeV;
  const energies = energyBins(kind, E0);
  const w = energies.map((e) => {
    const n = Math.max(0, (E0 - e) / e);
    let filt = 1;
    for (const f of ch.filtration) filt *= Math.exp(-massAttenuation(f.material, e) * materialInfo(f.material).densityGcm3 * f.cm);
    const d = ch.detector;
    const eff = 1 - Math.exp(-massAttenuation(d.material, e) * materialInfo(d.material).densityGcm3 * d.cm);
    return n * filt * e * eff;
  });
  const sum = w.reduce((a, b) => a + b, 0) || 1;
  const filt = ch.filtration.map((f) => `${+(f.cm * 10).toFixed(2)} mm ${f.material}`).join(' + ') || 'none';
  return {
    energiesMeV: energies,
    weights: w.map((x) => x / sum),
    endpointMeV: E0,
    description:
      (kind === 'linac' ? `${+E0.toFixed(2)} MeV bremsstrahlung` : `${Math.round(E0 * 1000)} kVp tube`) +
      ` (Kramers shape, filtration ${filt}), detector ${+(ch.detector.cm * 10).toFixed(2)} mm ${ch.detector.material}-equivalent`,
  };
}

/**
 * The nominal channel for a declared endpoint: linac 15 mm iron filtration, 30 mm iron-equivalent
 * detector (CdWO4 stand-in); tube 3 mm aluminium (+0.5 mm iron on the high channel), 0.3 mm
 * iron-equivalent detector (CsI stand-in). These were the project's single simulated scanner.
 */
export function nominalChannel(kind: SourceKind, channel: Channel, endpointMeV: number): ChannelPhysics {
  if (kind === 'linac') return { endpointMeV, filtration: [{ material: 'steel', cm: 1.5 }], detector: { material: 'steel', cm: 3.0 } };
  return {
    endpointMeV,
    filtration: channel === 'high' ? [{ material: 'aluminium', cm: 0.3 }, { material: 'steel', cm: 0.05 }] : [{ material: 'aluminium', cm: 0.3 }],
    detector: { material: 'steel', cm: 0.03 },
  };
}

/** Endpoint energies (MeV) of a declared source. */
export function declaredEndpoints(source: DeclaredSource): { high: number; low?: number } {
  if (source.kind === 'linac') return { high: source.highMeV, ...(source.lowMeV !== undefined ? { low: source.lowMeV } : {}) };
  return { high: source.highKVp / 1000, ...(source.lowKVp !== undefined ? { low: source.lowKVp / 1000 } : {}) };
}

export function nominalScanner(source: DeclaredSource): ScannerPhysics {
  const e = declaredEndpoints(source);
  return {
    kind: source.kind,
    high: nominalChannel(source.kind, 'high', e.high),
    ...(e.low !== undefined ? { low: nominalChannel(source.kind, 'low', e.low) } : {}),
  };
}

export const SOURCE_ENDPOINTS: Record<SourceKind, Record<Channel, number>> = {
  linac: { high: 6, low: 4 },
  tube: { high: 0.16, low: 0.08 },
};

/** The project's original single scanner (linac 6/4 MeV, tube 160/80 kVp), nominal physics. */
export function sourceSpectrum(kind: SourceKind, channel: Channel): Spectrum {
  return channelSpectrum(kind, nominalChannel(kind, channel, SOURCE_ENDPOINTS[kind][channel]));
}
