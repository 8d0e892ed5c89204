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

  /**
   * Copies a file in: copy to a temp name, hash the copy (so the name always matches the bytes
   * stored, even if the source changes meanwhile), fsync, then rename. Readers never see half a file.
   */
  async put(file: string): Promise<StoredImage> {
    await fs.mkdir(this.root, { recursive: true });
    const tmp = path.join(this.root, `.incoming-${randomUUID()}.tmp`);
    try {
      await fs.copyFile(file, tmp);
      const fh = await fs.open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      const stored = await sha256File(tmp);
      const target = this.pathOf(stored.sha256);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.rename(tmp, target); // same content under the same name: replacing is harmless
      return stored;
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  async read(sha256: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(sha256));
  }
}
