/**
 * Bounded load test of the read routes an operator console hammers (issue 10 §2): the scan list,
 * scan detail and the display image, against the real API listening on loopback with a
 * populated SQLite database. C concurrent clients for D seconds per route; prints req/s,
 * p50/p99 and errors (anything but 200). Figures, not assertions.
 *
 *   npm run bench:load -- [--scans 5000] [--clients 16] [--seconds 10]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { makeScan } from '../store/factories.ts';
import { benchFixture } from './fixture.ts';

const { values } = parseArgs({ options: { scans: { type: 'string', default: '5000' }, clients: { type: 'string', default: '16' }, seconds: { type: 'string', default: '10' } } });
const SCANS = Number(values.scans);
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);

const { app, store, sim, high, headers, close } = await benchFixture({ prefix: 'cxr-load-', role: 'supervisor' });
process.stderr.write(`populating ${SCANS} scans…\n`);
const ids: string[] = [];
for (let i = 0; i < SCANS; i++) {
  const id = `load-${String(i).padStart(6, '0')}`;
  await store.scans.insert(makeScan(id, { laneId: `lane-${i % 8}`, metadata: { ...sim.metadata, scanId: id }, images: [high] }));
  ids.push(id);
  if ((i + 1) % 1000 === 0) process.stderr.write(`  ${i + 1}/${SCANS}\n`);
}
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

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
await close();
