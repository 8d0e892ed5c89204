/**
 * Only directories of regular files are read from the inbox (issue 10 finding 1): a FIFO named
 * scan.json used to block the adapter for good. A FIFO package, a FIFO scan.json, a symbolic link
 * out of the inbox and a link inside a package are each quarantined at once with
 * `not_a_regular_file`, and a valid package dropped after them is still ingested.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotFolder } from '#adapter/hot-folder/hot-folder.ts';
import { IngestService, type IngestOutcome } from '#adapter/ingest/ingest-service.ts';
import { readScanPackage } from '#adapter/scan-package/read.ts';
import { QueueName } from '#services/core/jobs.ts';
import { JobProducer } from '#services/queue/queue-repository.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import type { Store } from '#services/store/types.ts';
import { waitFor, writePackage } from '../helpers/packages.ts';
import { sqliteBackend } from '../store/backends.ts';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

describe('special files in the inbox', () => {
  let root: string;
  let inbox: string;
  let rejected: string;
  let store: Store;
  let cleanup: () => Promise<void>;
  let producer: JobProducer;
  let queue: Queue;
  let hot: HotFolder;
  const outcomes: IngestOutcome[] = [];
  const prefix = `t_fifo_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-fifo-'));
    inbox = path.join(root, 'inbox');
    rejected = path.join(root, 'rejected');
    ({ store, cleanup } = await sqliteBackend.open());
    producer = new JobProducer(REDIS_URL, prefix);
    queue = new Queue(QueueName.Analysis, { connection: { url: REDIS_URL }, prefix });
    const ingest = new IngestService({ store, images: new ImageStore(path.join(root, 'images')), producer, rejectedDir: rejected });
    hot = new HotFolder(ingest, { inboxDir: inbox, rejectedDir: rejected, pollMs: 50, settleMs: 150, stuckMs: 60_000, onOutcome: (o) => outcomes.push(o) });
    await fs.mkdir(inbox, { recursive: true });
  });

  afterAll(async () => {
    await hot?.stop();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await producer?.close();
    await cleanup?.();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('quarantines FIFOs and links at once and keeps ingesting', async () => {
    execFileSync('mkfifo', [path.join(inbox, 'a-fifo')]);
    await fs.mkdir(path.join(inbox, 'b-fifo-json'));
    execFileSync('mkfifo', [path.join(inbox, 'b-fifo-json', 'scan.json')]);
    await fs.symlink('/etc', path.join(inbox, 'c-link-out'));
    await writePackage(path.join(inbox, 'd-link-inside'), 'd-link-inside');
    await fs.rm(path.join(inbox, 'd-link-inside', 'low.tiff'));
    await fs.symlink('/etc/hostname', path.join(inbox, 'd-link-inside', 'low.tiff'));
    await hot.start();
    await writePackage(path.join(inbox, 'e-valid'), 'e-valid');

    await waitFor(async () => (await store.scans.get('e-valid'))?.status === 'queued', 20_000);
    const reasons = await waitFor(async () => {
      const names = await fs.readdir(rejected);
      if (names.length < 4) return undefined;
      return Promise.all(names.sort().map(async (n) => [n, JSON.parse(await fs.readFile(path.join(rejected, n, 'reason.json'), 'utf8')).code]));
    });
    expect(reasons).toEqual([
      ['a-fifo', 'not_a_regular_file'],
      ['b-fifo-json', 'not_a_regular_file'],
      ['c-link-out', 'not_a_regular_file'],
      ['d-link-inside', 'not_a_regular_file'],
    ]);
    // The valid package leaves the inbox once its job is added (just after it is marked queued).
    await waitFor(async () => (await fs.readdir(inbox)).length === 0);
    // The links were moved, not followed: /etc is untouched.
    expect((await fs.lstat(path.join(rejected, 'c-link-out', 'c-link-out'))).isSymbolicLink()).toBe(true);
    // …and nothing was written where it pointed (quarantine once followed links and wrote /etc/reason.json).
    await expect(fs.access('/etc/reason.json')).rejects.toThrow();
  }, 30_000);

  it('the package reader refuses a FIFO scan.json without opening it', async () => {
    const dir = path.join(root, 'direct');
    await fs.mkdir(dir);
    execFileSync('mkfifo', [path.join(dir, 'scan.json')]);
    await expect(readScanPackage(dir)).rejects.toMatchObject({ code: 'bad_json', message: 'scan.json is not a regular file' });
  });
});
