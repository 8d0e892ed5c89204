/**
 * Content-addressed image store on the local file system: a file is kept under its sha-256,
 * so identical images are stored once and a stored file can be verified against its name.
 * Layout: <root>/<aa>/<bb>/<sha256>.tiff
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface StoredImage {
  sha256: string;
  bytes: number;
}

export async function sha256File(file: string): Promise<StoredImage> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(createReadStream(file), async function* (source) {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  });
  return { sha256: hash.digest('hex'), bytes };
}

export class ImageStore {
  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha-256: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), `${sha256}.tiff`);
  }

  /** Copies a file in (write to a temp name, then rename: readers never see half a file). */
  async put(file: string): Promise<StoredImage> {
    const stored = await sha256File(file);
    const target = this.pathOf(stored.sha256);
    try {
      await fs.access(target);
      return stored; // already there: content addressing makes this a no-op
    } catch {
      /* not stored yet */
    }
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.tmp`;
    await fs.copyFile(file, tmp);
    await fs.rename(tmp, target);
    return stored;
  }

  async read(sha256: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(sha256));
  }
}
