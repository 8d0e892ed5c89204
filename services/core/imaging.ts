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
