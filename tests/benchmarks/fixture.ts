/**
 * The set-up the API benchmarks share (image-route.ts, load.ts), kept once: a temporary SQLite
 * store and image store, one simulated 40-ft linac container scan (ivory scenario) written as a
 * scan package with its high-energy TIFF stored, the real API app on that store, and a user of
 * the given role logged in (bearer headers). Each benchmark adds its own scans and requests.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { simulateScan, type SimulatedScan } from '#adapter/simulator/index.ts';
import { createAccessService } from '#services/access/service.ts';
import { buildApp } from '#services/api/app.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig } from '#services/core/config.ts';
import type { ScanImageRef } from '#services/core/domain.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import type { Store } from '#services/store/types.ts';

export interface BenchFixture {
  dir: string;
  store: Store;
  images: ImageStore;
  sim: SimulatedScan;
  /** The stored high-energy image of `sim`, to put on scans. */
  high: ScanImageRef;
  app: Awaited<ReturnType<typeof buildApp>>;
  /** Bearer headers of the benchmark's user. */
  headers: { authorization: string };
  /** Closes the app and the store and deletes the temporary directory. */
  close(): Promise<void>;
}

export async function benchFixture(opts: { prefix: string; role: 'inspector' | 'supervisor' }): Promise<BenchFixture> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), opts.prefix));
  const store = await openStore({ sqlitePath: path.join(dir, 'db.sqlite') });
  const images = new ImageStore(path.join(dir, 'images'));
  const sim = simulateScan({ seed: 5, index: 0, scenario: 'ivory', source: 'linac', conveyance: 'container' });
  await writeScanPackage(path.join(dir, 'pkg'), sim.metadata, { width: sim.width, height: sim.height, data: sim.high }, { width: sim.width, height: sim.height, data: sim.low });
  const put = await images.put(path.join(dir, 'pkg', sim.metadata.images.high));
  const high: ScanImageRef = { energy: 'high', sha256: put.sha256, width: sim.width, height: sim.height, bytes: put.bytes };
  const app = await buildApp({ config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images }, { logger: false, processMetrics: false });
  const username = `bench-${opts.role}`;
  const password = 'bench-password-1';
  await createAccessService(store).createUser(systemActor('cli'), { username, role: opts.role, lanes: null, password });
  const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { username, password } });
  if (login.statusCode !== 200) throw new Error(`bench login: ${login.statusCode} ${login.body}`);
  const { token } = login.json() as { token: string };
  return {
    dir,
    store,
    images,
    sim,
    high,
    app,
    headers: { authorization: `Bearer ${token}` },
    async close() {
      await app.close();
      await store.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
