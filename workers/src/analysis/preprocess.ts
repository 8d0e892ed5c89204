/**
 * Turns decoded 16-bit scan images into a model input, exactly as the model card says:
 * transmission T = value / airValue → attenuation −ln T, area-average resampling to the
 * card's pixel spacing, then either scaled attenuation (older cards) or the scanner-independent
 * basis area densities computed with the scanner's response (calibration profile or nominal),
 * and zero padding to the card's size multiple.
 */
import { decomposerFor } from '#services/core/physics/decompose.ts';
import type { ScannerResponse } from '#services/core/physics/response.ts';
import type { ModelCard } from '#services/model-registry/card.ts';
import { attenuationLut } from '#services/core/imaging.ts';

export interface DecodedImage {
  width: number;
  height: number;
  data: Uint16Array;
}

export interface ModelInput {
  data: Float32Array;
  dims: [1, number, number, number];
  /** Unpadded size of the resampled image. */
  width: number;
  height: number;
  /** Original pixels per model pixel, along x and y. */
  factorX: number;
  factorY: number;
  /** Basis inputs only: the high channel's attenuation at model pixels (width × height, unpadded), for the timber density floor. */
  highAttenuation?: Float32Array;
}

/** Attenuation −ln(T), T = value/airValue clamped to [minT, 1]. */
export function attenuation(img: DecodedImage, airValue: number, minT: number): Float32Array {
  const out = new Float32Array(img.data.length);
  const lut = attenuationLut(airValue, minT);
  for (let i = 0; i < out.length; i++) out[i] = lut[img.data[i]!]!;
  return out;
}

/**
 * Source index range [edges[j], ends[j]) of each destination cell: the source cells the
 * destination cell overlaps. Shrinking averages several; enlarging repeats the nearest one.
 */
function bins(src: number, dst: number): { start: Int32Array; end: Int32Array } {
  const start = new Int32Array(dst);
  const end = new Int32Array(dst);
  for (let j = 0; j < dst; j++) {
    const a = Math.min(src - 1, Math.floor((j * src) / dst));
    start[j] = a;
    end[j] = Math.min(src, Math.max(a + 1, Math.ceil(((j + 1) * src) / dst)));
  }
  return { start, end };
}

export function resampleArea(src: Float32Array, w: number, h: number, dw: number, dh: number): Float32Array {
  const out = new Float32Array(dw * dh);
  const bx = bins(w, dw);
  const by = bins(h, dh);
  // Separable box filter: columns first, then rows.
  const tmp = new Float32Array(dw * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let j = 0; j < dw; j++) {
      let s = 0;
      const a = bx.start[j]!;
      const b = bx.end[j]!;
      for (let x = a; x < b; x++) s += src[row + x]!;
      tmp[y * dw + j] = s / (b - a);
    }
  }
  for (let i = 0; i < dh; i++) {
    const a = by.start[i]!;
    const b = by.end[i]!;
    for (let j = 0; j < dw; j++) {
      let s = 0;
      for (let y = a; y < b; y++) s += tmp[y * dw + j]!;
      out[i * dw + j] = s / (b - a);
    }
  }
  return out;
}

export class ModelInputError extends Error {}

export function buildModelInput(
  card: ModelCard,
  images: Partial<Record<'high' | 'low', DecodedImage>>,
  airValue: number,
  spacingMm: { x: number; y: number },
  response?: ScannerResponse,
): ModelInput {
  const first = images[card.input.energies[0]!];
  if (!first) throw new ModelInputError(`model ${card.id} needs the ${card.input.energies[0]} image`);
  const target = card.input.pixelSpacingMm;
  const dw = Math.max(1, Math.round((first.width * spacingMm.x) / target));
  const dh = Math.max(1, Math.round((first.height * spacingMm.y) / target));
  const m = card.input.sizeMultiple;
  const pw = Math.ceil(dw / m) * m;
  const ph = Math.ceil(dh / m) * m;
  const c = card.input.energies.length;
  const data = new Float32Array(c * ph * pw);
  const small: Partial<Record<'high' | 'low', Float32Array>> = {};
  for (const energy of card.input.energies) {
    const img = images[energy];
    if (!img) throw new ModelInputError(`model ${card.id} needs the ${energy} image`);
    if (img.width !== first.width || img.height !== first.height) throw new ModelInputError('energy images differ in size');
    const att = attenuation(img, airValue, card.input.normalisation.minTransmission);
    small[energy] = resampleArea(att, img.width, img.height, dw, dh);
  }
  const planes: Float32Array[] = [];
  const rep = card.input.representation ?? { kind: 'attenuation' as const };
  if (rep.kind === 'basis') {
    if (!response) throw new ModelInputError(`model ${card.id} reads calibrated area densities: the scanner response is missing`);
    if (c !== 2 || !small.high || !small.low || !response.low) throw new ModelInputError(`model ${card.id} needs a dual-energy scan and response`);
    const { organic, metal } = decomposerFor(response).decompose(small.high, small.low);
    const mass = new Float32Array(organic.length);
    for (let i = 0; i < mass.length; i++) {
      mass[i] = (organic[i]! + metal[i]!) * rep.massScale;
      metal[i]! *= rep.metalScale;
    }
    planes.push(mass, metal);
  } else {
    const scale = card.input.normalisation.attenuationScale;
    for (const energy of card.input.energies) planes.push(small[energy]!.map((v) => v * scale));
  }
  planes.forEach((plane, ci) => {
    for (let y = 0; y < dh; y++) {
      const dst = ci * ph * pw + y * pw;
      for (let x = 0; x < dw; x++) data[dst + x] = plane[y * dw + x]!;
    }
  });
  return {
    data,
    dims: [1, c, ph, pw],
    width: dw,
    height: dh,
    factorX: first.width / dw,
    factorY: first.height / dh,
    ...(rep.kind === 'basis' ? { highAttenuation: small.high! } : {}),
  };
}
