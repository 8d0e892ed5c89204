/**
 * Content-addressed image store on the local file system: a file is kept under its sha-256,
 * so identical images are stored once and a stored file can be verified against its name.
 * Layout: <root>/<aa>/<bb>/<sha256>.tiff
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
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

/** Temp copies are named after this host and process, so a later process can tell a dead one's. */
const HOST = os.hostname().replace(/[^A-Za-z0-9.]/g, '_');
const TEMP = /^\.incoming-([A-Za-z0-9._]+)-(\d+)-[0-9a-f-]{36}\.tmp$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class ImageStore {
  private swept: Promise<void>;

  constructor(readonly root: string) {
    // A process killed between copy and rename (SIGKILL, power loss) leaves its temp copy behind.
    // Copies of this host's dead processes are removed when a store opens; other hosts' copies
    // (a shared store) are left to the retention sweep's age rule.
    this.swept = this.removeOrphans().then(
      () => undefined,
      () => undefined,
    );
  }

  /** Removes temp copies left by dead processes of this host; returns how many. */
  async removeOrphans(): Promise<number> {
    let n = 0;
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch {
      return 0;
    }
    for (const name of names) {
      const m = TEMP.exec(name);
      if (!m || m[1] !== HOST || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
      await fs.rm(path.join(this.root, name), { force: true });
      n++;
    }
    return n;
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha-256: ${sha256}`);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), `${sha256}.tiff`);
  }

  /**
   * Copies a file in: copy to a temp name, hash the copy (so the name always matches the bytes
   * stored, even if the source changes meanwhile), fsync, then rename. Readers never see half a file.
   */
  async put(file: string): Promise<StoredImage> {
    await this.swept;
    await fs.mkdir(this.root, { recursive: true });
    const tmp = path.join(this.root, `.incoming-${HOST}-${process.pid}-${randomUUID()}.tmp`);
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
