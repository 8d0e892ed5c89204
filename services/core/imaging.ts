/**
 * The one place 16-bit scan images are decoded: the worker, the API's renderer, the package
 * readers, evaluation and the simulator preview all read pixels through here, so a one-channel
 * unsigned 16-bit image means the same thing everywhere.
 */
import sharp from 'sharp';

/** Largest image sharp is allowed to decode (pixels); bounds memory before decoding starts. */
export const MAX_INPUT_PIXELS = 100_000_000;
const SHARP_INPUT = { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS } as const;

export interface Grey16Image {
  width: number;
  height: number;
  /** Row-major samples, x along travel. */
  data: Uint16Array;
}

/** The file is not a decodable one-channel 16-bit image; `code` says which way. */
export class ImageDecodeError extends Error {
  constructor(
    readonly code: 'not_tiff' | 'image_data_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/** Decodes a one-channel 16-bit image (a path or its bytes) to raw samples. */
export async function decodeGrey16(input: string | Buffer, name = typeof input === 'string' ? input : 'image'): Promise<Grey16Image> {
  let out;
  try {
    out = await sharp(input, SHARP_INPUT).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageDecodeError('not_tiff', `cannot decode ${name}: ${(e as Error).message}`);
  }
  const { data, info } = out;
  if (info.channels !== 1 || data.length !== info.width * info.height * 2) {
    throw new ImageDecodeError(
      'image_data_mismatch',
      `decoded ${name} has ${info.channels} channels and ${data.length} bytes; expected 1 channel of 16-bit samples`,
    );
  }
  return { width: info.width, height: info.height, data: new Uint16Array(data.buffer, data.byteOffset, data.length / 2) };
}

/**
 * Attenuation −ln(v / airValue) of one detector reading: the quantity every part of the system
 * (models, display, calibration, projection, preview) starts from. A reading is floored at
 * `floor` counts (default 1: a zero reading is "one count", not infinitely dense). No upper clamp:
 * readings just above air give small negative values, which unbiased averages need (calibration
 * regions of air); the model input clamps transmission itself (attenuationLut).
 */
export function attenuation(value: number, airValue: number, floor = 1): number {
  return -Math.log(Math.max(value, floor) / airValue);
}

/**
 * Attenuation of every 16-bit reading with transmission clamped to [minTransmission, 1] — the
 * models' input rule (a reading above air is air; the darkest is the card's floor). A 65 536-entry
 * table: one log per possible value instead of one per pixel.
 */
export function attenuationLut(airValue: number, minTransmission: number): Float32Array {
  const lut = new Float32Array(65536);
  for (let v = 0; v < 65536; v++) lut[v] = -Math.log(Math.min(1, Math.max(minTransmission, v / airValue)));
  return lut;
}
