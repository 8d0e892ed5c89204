/**
 * A scanner's response: per energy channel, the effective spectrum its detector integrates
 * (energy bins and non-negative weights). It is what the calibration fit estimates from known test
 * blocks and what the nominal model gives for a declared source; everything that turns detector
 * values into physical quantities (area density, material) goes through it.
 *
 * The weights need not sum to 1: a fitted response absorbs a gain mismatch between the declared
 * `airValue` and the open-beam reading.
 */
import { massAttenuation, type MaterialId } from './attenuation.ts';
import { channelSpectrum, nominalScanner, type Channel, type DeclaredSource, type ScannerPhysics, type SourceKind } from './spectrum.ts';

export interface ChannelResponse {
  energiesMeV: number[];
  weights: number[];
}

export interface ScannerResponse {
  kind: SourceKind;
  high: ChannelResponse;
  low?: ChannelResponse;
}

export interface Layer {
  material: MaterialId;
  /** Area density along the ray, g/cm². */
  gcm2: number;
}

export function responseFromPhysics(p: ScannerPhysics): ScannerResponse {
  const ch = (c: ScannerPhysics['high']): ChannelResponse => {
    const s = channelSpectrum(p.kind, c);
    return { energiesMeV: s.energiesMeV, weights: s.weights };
  };
  return { kind: p.kind, high: ch(p.high), ...(p.low ? { low: ch(p.low) } : {}) };
}

/** The response a declared source has with nominal filtration and detector (no calibration). */
export function nominalResponse(source: DeclaredSource): ScannerResponse {
  return responseFromPhysics(nominalScanner(source));
}

/** Transmission T of a stack of layers through one channel. */
export function channelTransmission(ch: ChannelResponse, layers: Layer[]): number {
  let T = 0;
  for (let b = 0; b < ch.energiesMeV.length; b++) {
    let L = 0;
    for (const l of layers) L += massAttenuation(l.material, ch.energiesMeV[b]!) * l.gcm2;
    T += ch.weights[b]! * Math.exp(-L);
  }
  return T;
}

/** Transmission T of `gcm2` of one material through a scanner channel. */
export function transmission(r: ScannerResponse, channel: Channel, material: MaterialId, gcm2: number): number {
  const ch = r[channel];
  if (!ch) throw new Error(`response has no ${channel} channel`);
  return channelTransmission(ch, [{ material, gcm2 }]);
}
