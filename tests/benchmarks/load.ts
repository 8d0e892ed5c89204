/**
 * Bounded load test of the read routes an operator console hammers (issue 10 §2): the scan list,
 * scan detail and the display image, against the real API listening on loopback with a
 * populated SQLite database. C concurrent clients for D seconds per route; prints req/s,
 * p50/p99 and errors (anything but 200). Figures, not assertions.
 *
 *   npm run bench:load -- [--scans 5000] [--clients 16] [--seconds 10]
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { simulateScan } from '#adapter/simulator/index.ts';
import { createAccessService } from '#services/access/service.ts';
import { buildApp } from '#services/api/app.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig } from '#services/core/config.ts';
import { ImageStore } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import { makeScan } from '../store/factories.ts';

const { values } = parseArgs({ options: { scans: { type: 'string', default: '5000' }, clients: { type: 'string', default: '16' }, seconds: { type: 'string', default: '10' } } });
const SCANS = Number(values.scans);
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-load-'));
const store = await openStore({ sqlitePath: path.join(dir, 'db.sqlite') });
const images = new ImageStore(path.join(dir, 'images'));
const sim = simulateScan({ seed: 5, index: 0, scenario: 'ivory', source: 'linac', conveyance: 'container' });
await writeScanPackage(path.join(dir, 'pkg'), sim.metadata, { width: sim.width, height: sim.height, data: sim.high }, { width: sim.width, height: sim.height, data: sim.low });
const high = await images.put(path.join(dir, 'pkg', sim.metadata.images.high));
process.stderr.write(`populating ${SCANS} scans…\n`);
const ids: string[] = [];
for (let i = 0; i < SCANS; i++) {
  const id = `load-${String(i).padStart(6, '0')}`;
  await store.scans.insert(makeScan(id, { laneId: `lane-${i % 8}`, metadata: { ...sim.metadata, scanId: id }, images: [{ energy: 'high', sha256: high.sha256, width: sim.width, height: sim.height, bytes: high.bytes }] }));
  ids.push(id);
  if ((i + 1) % 1000 === 0) process.stderr.write(`  ${i + 1}/${SCANS}\n`);
}
const app = await buildApp({ config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images }, { logger: false, processMetrics: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
await createAccessService(store).createUser(systemActor('cli'), { username: 'load', role: 'supervisor', lanes: null, password: 'load-password-1' });
const login = await fetch(`${base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'load', password: 'load-password-1' }) });
const { token } = (await login.json()) as { token: string };
const headers = { authorization: `Bearer ${token}` };

async function load(label: string, url: () => string): Promise<void> {
  const ms: number[] = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const res = await fetch(`${base}${url()}`, { headers });
          await res.arrayBuffer();
          if (res.status !== 200) errors++;
        } catch {
          errors++;
        }
        ms.push(performance.now() - t);
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  ms.sort((a, b) => a - b);
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
  console.log(`${label.padEnd(40)} ${(ms.length / s).toFixed(0).padStart(6)} req/s   p50 ${q(0.5).padStart(7)} ms   p99 ${q(0.99).padStart(7)} ms   errors ${errors}`);
}

const pick = () => ids[Math.floor(Math.random() * ids.length)]!;
console.log(`${SCANS} scans in SQLite, ${CLIENTS} concurrent clients, ${SECONDS} s per route, loopback HTTP, ${os.availableParallelism()} cores`);
await load('GET /v1/scans?limit=50', () => '/v1/scans?limit=50');
await load('GET /v1/scans?lane=…&limit=50', () => `/v1/scans?lane=lane-${Math.floor(Math.random() * 8)}&limit=50`);
await load('GET /v1/scans/:id', () => `/v1/scans/${pick()}`);
await load('GET /v1/scans/:id/image (one view, cached)', () => `/v1/scans/${ids[0]}/image?energy=high&format=png&window=auto`);
await app.close();
await store.close();
await fs.rm(dir, { recursive: true, force: true });
