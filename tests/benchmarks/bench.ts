/**
 * `npm run bench`: how close the whole pipeline comes to the model's own speed (issue 10 §4).
 * In one run, on the same simulated container scans:
 *   1. bare model — `session.run` alone on already-prepared tensors (the floor);
 *   2. analysis  — decode + calibration/preprocessing + inference + postprocessing + decision,
 *                  one scan after another, as one worker does it (its inference thread pool);
 *   3. end to end — real processes (API, adapter, K workers) on the real Redis and database:
 *                  a burst of N packages moved into the inbox at once (throughput), then
 *                  scans dropped one every --interval-ms (latency, package complete → verdict
 *                  event from the API), peak RSS per role from /proc.
 *
 *   npm run bench -- [--count 40] [--workers 1] [--concurrency N] [--compare-workers] [--paced 20] [--interval-ms 2000]
 *                    [--soak 1000] [--json FILE] [--database-url URL] [--seed 4242]
 *
 * --compare-workers runs stage 3 with one and with two workers; --concurrency sets WORKER_CONCURRENCY. --soak N drops N scans (the
 * generated ones again under new ids) in batches and prints the RSS of every role as it goes.
 * Prints tables; --json FILE writes { bareScansPerSecond, analysisScansPerSecond,
 * endToEndScansPerSecond, ratioEndToEndToBare, latencyMs: {p50, p95, p99}, workers,
 * rssMiB: {api, adapter, worker}, … }. Figures, never assertions: see the closing notes.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { simulateScan } from '#adapter/simulator/index.ts';
import { decodeGrey16 } from '#services/core/imaging.ts';
import { nominalResponse } from '#services/core/physics/response.ts';
import type { ScanMetadata } from '#services/core/domain.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { loadModelRegistry } from '#services/model-registry/registry.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { buildModelInput, type DecodedImage } from '#workers/analysis/preprocess.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { TEST_ADMIN_PASSWORD, loginAtUrl } from '../helpers/auth.ts';
import { ROOT, dropRedisPrefix, startCluster, type Cluster } from '../helpers/cluster.ts';
import { collectEvents } from '../helpers/sse.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '40' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    'compare-workers': { type: 'boolean', default: false },
    paced: { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '2000' },
    soak: { type: 'string', default: '0' },
    json: { type: 'string' },
    'database-url': { type: 'string' },
    seed: { type: 'string', default: '4242' },
  },
});
const COUNT = Number(values.count);
const PACED = Number(values.paced);
const INTERVAL = Number(values['interval-ms']);
const SOAK = Number(values.soak);
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
// The worker's own balance (workers/src/main.ts): one inference thread with cores − 1 intra-op threads.
const INTRA_OP = Math.max(1, os.availableParallelism() - 1);

const log = (m: string) => process.stderr.write(`${m}\n`);
const pct = (a: number[], p: number) => (a.length ? [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]! : NaN);
const r1 = (n: number) => Math.round(n * 10) / 10;

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-bench-'));
const staging = path.join(root, 'staging');

// ---------------------------------------------------------------- the scans
log(`generating ${COUNT} simulated container scans (linac, scenario mixed, seed ${values.seed})…`);
interface BenchScan {
  id: string;
  dir: string;
  metadata: ScanMetadata;
}
const scans: BenchScan[] = [];
for (let i = 0; i < COUNT; i++) {
  const s = simulateScan({ seed: Number(values.seed), index: i, scenario: 'mixed', source: 'linac', laneId: 'lane-bench' });
  const dir = path.join(staging, s.metadata.scanId);
  await writeScanPackage(dir, s.metadata, { width: s.width, height: s.height, data: s.high }, { width: s.width, height: s.height, data: s.low });
  scans.push({ id: s.metadata.scanId, dir, metadata: JSON.parse(await fs.readFile(path.join(dir, 'scan.json'), 'utf8')) as ScanMetadata });
  if ((i + 1) % 10 === 0 || i + 1 === COUNT) log(`  ${i + 1}/${COUNT}`);
}
const first = scans[0]!.metadata;

/** A copy of a generated package under a new scan id (same pixels), for repeated drops. */
let copies = 0;
async function copyOf(s: BenchScan, tag: string): Promise<{ id: string; dir: string }> {
  const id = `${s.id}-${tag}-${(copies++).toString(36)}`;
  const dir = path.join(staging, id);
  await fs.mkdir(dir, { recursive: true });
  for (const f of await fs.readdir(s.dir)) {
    if (f === 'scan.json') await fs.writeFile(path.join(dir, f), JSON.stringify({ ...s.metadata, scanId: id }, null, 2));
    else await fs.copyFile(path.join(s.dir, f), path.join(dir, f));
  }
  return { id, dir };
}

const registry = await loadModelRegistry(path.join(ROOT, 'models'));
const model = registry.active.find((m) => m.card.input.sourceKinds.includes('linac'));
if (!model) throw new Error('no active linac model');
log(`model ${model.card.id}@${model.card.version} (input ${model.card.input.name}, ${model.card.input.pixelSpacingMm} mm); ${os.availableParallelism()} cores, ${INTRA_OP} intra-op thread(s)`);

async function decode(s: BenchScan): Promise<Partial<Record<'high' | 'low', DecodedImage>>> {
  return {
    high: await decodeGrey16(path.join(s.dir, s.metadata.images.high), 'high'),
    low: await decodeGrey16(path.join(s.dir, s.metadata.images.low!), 'low'),
  };
}

// ---------------------------------------------------------------- 1. bare model
log('\n1. bare model: preparing tensors…');
const tensors: ort.Tensor[] = [];
for (const s of scans) {
  const input = buildModelInput(model.card, await decode(s), s.metadata.airValue, s.metadata.pixelSpacingMm, nominalResponse(s.metadata.source));
  tensors.push(new ort.Tensor('float32', input.data, input.dims));
}
const session = await ort.InferenceSession.create(model.path, { intraOpNumThreads: INTRA_OP, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
await session.run({ [model.card.input.name]: tensors[0]! }); // warm-up
let t = performance.now();
for (const x of tensors) await session.run({ [model.card.input.name]: x });
const bareMs = performance.now() - t;
const bareScansPerSecond = COUNT / (bareMs / 1000);
await session.release();
log(`   ${COUNT} runs in ${(bareMs / 1000).toFixed(2)} s: ${bareScansPerSecond.toFixed(1)} scans/s (${(bareMs / COUNT).toFixed(1)} ms per scan)`);

// ---------------------------------------------------------------- 2. analysis in one worker
log('2. analysis (decode → preprocess → inference → postprocess → decision), one worker…');
const pool = new InferencePool(1, INTRA_OP);
await pool.load(model.path);
const species = loadSpeciesReference();
{
  const s = scans[0]!;
  await analyseImages({ scanId: s.id, metadata: s.metadata, images: await decode(s), response: nominalResponse(s.metadata.source) }, { models: [model], pool, species });
}
let decodeMs = 0;
let preprocessMs = 0;
let inferenceMs = 0;
t = performance.now();
for (const s of scans) {
  const t0 = performance.now();
  const images = await decode(s);
  decodeMs += performance.now() - t0;
  const a = await analyseImages({ scanId: s.id, metadata: s.metadata, images, response: nominalResponse(s.metadata.source) }, { models: [model], pool, species });
  preprocessMs += a.preprocessMs;
  inferenceMs += a.inferenceMs;
}
const analysisMs = performance.now() - t;
await pool.close();
const analysisScansPerSecond = COUNT / (analysisMs / 1000);
const otherMs = analysisMs - decodeMs - preprocessMs - inferenceMs;
log(
  `   ${analysisScansPerSecond.toFixed(1)} scans/s; per scan: decode ${(decodeMs / COUNT).toFixed(1)} ms, preprocess ${(preprocessMs / COUNT).toFixed(1)} ms, ` +
    `inference ${(inferenceMs / COUNT).toFixed(1)} ms, postprocess+decision ${(otherMs / COUNT).toFixed(1)} ms`,
);

// ---------------------------------------------------------------- 3. end to end
interface EndToEnd {
  workers: number;
  scansPerSecond: number;
  burstLatencyMs: { p50: number; p95: number; p99: number };
  latencyMs: { p50: number; p95: number; p99: number };
  failed: number;
  rssMiB: { api: number; adapter: number; worker: number };
  soak?: Array<{ scans: number; rssMiB: { api: number; adapter: number; worker: number } }>;
}

async function endToEnd(workers: number, soak: number): Promise<EndToEnd> {
  const dataDir = await fs.mkdtemp(path.join(root, `e2e-${workers}w-`));
  const prefix = `bench_${randomBytes(3).toString('hex')}`;
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    QUEUE_PREFIX: prefix,
    REDIS_URL,
    INBOX_POLL_MS: '100',
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    RECONCILE_EVERY_MS: '60000',
    ...(values.concurrency ? { WORKER_CONCURRENCY: values.concurrency } : {}),
  };
  if (values['database-url']) {
    env.DATABASE_URL = values['database-url'];
    env.DATABASE_SCHEMA = prefix;
  }
  log(`\n3. end to end with ${workers} worker process(es): starting API, adapter, worker(s)…`);
  const cluster: Cluster = await startCluster({ env, workers });
  try {
    await cluster.waitReady();
    const inbox = path.join(dataDir, 'inbox');
    const auth = (await loginAtUrl(cluster.apiUrl, 'supervisor')).headers;
    const done = new Map<string, { at: number; status: string }>();
    const ctrl = collectEvents(
      `${cluster.apiUrl}/v1/events`,
      [],
      (e) => {
        const d = e.data as { scanId: string; status?: string };
        if (e.event === 'scan.status' && (d.status === 'analysed' || d.status === 'failed') && !done.has(d.scanId)) done.set(d.scanId, { at: e.at, status: d.status });
      },
      auth,
    );
    await new Promise((r) => setTimeout(r, 300));
    const wait = async (ids: string[], label: string) => {
      const deadline = Date.now() + 900_000;
      let shown = -1;
      while (ids.some((id) => !done.has(id))) {
        if (Date.now() > deadline) throw new Error(`${label}: ${ids.filter((id) => !done.has(id)).length} scans never finished`);
        const n = ids.filter((id) => done.has(id)).length;
        if (n !== shown && n % 10 === 0) log(`   ${label}: ${n}/${ids.length} analysed`);
        shown = n;
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    // Burst: every package complete in staging, moved in at once.
    const burst = await Promise.all(scans.map((s) => copyOf(s, `b${workers}`)));
    const dropped = new Map<string, number>();
    const t0 = performance.now();
    for (const c of burst) {
      dropped.set(c.id, performance.now());
      await fs.rename(c.dir, path.join(inbox, c.id));
    }
    await wait(burst.map((c) => c.id), 'burst');
    const lastAt = Math.max(...burst.map((c) => done.get(c.id)!.at));
    const scansPerSecond = burst.length / ((lastAt - t0) / 1000);
    const burstLat = burst.map((c) => done.get(c.id)!.at - dropped.get(c.id)!);
    log(`   burst of ${burst.length}: ${scansPerSecond.toFixed(2)} scans/s (first drop → last verdict ${((lastAt - t0) / 1000).toFixed(1)} s)`);

    // Paced: one scan every INTERVAL ms, the lane's rhythm; latency of each.
    const paced = await Promise.all(Array.from({ length: PACED }, (_, i) => copyOf(scans[i % scans.length]!, `p${workers}`)));
    for (const [i, c] of paced.entries()) {
      dropped.set(c.id, performance.now());
      await fs.rename(c.dir, path.join(inbox, c.id));
      if (i < paced.length - 1) await new Promise((r) => setTimeout(r, INTERVAL));
    }
    await wait(paced.map((c) => c.id), 'paced');
    const lat = paced.map((c) => done.get(c.id)!.at - dropped.get(c.id)!);
    const latencyMs = { p50: Math.round(pct(lat, 0.5)), p95: Math.round(pct(lat, 0.95)), p99: Math.round(pct(lat, 0.99)) };
    log(`   paced, one every ${INTERVAL} ms: package → verdict p50 ${latencyMs.p50} ms, p95 ${latencyMs.p95} ms, p99 ${latencyMs.p99} ms`);

    // Soak: N more scans in batches, the RSS of every role as it goes.
    const rss = () => ({
      api: r1(cluster.rssMiB('api')),
      adapter: r1(cluster.rssMiB('adapter')),
      worker: r1(Math.max(...Array.from({ length: workers }, (_, i) => cluster.rssMiB('worker', i)))),
    });
    let soakRows: EndToEnd['soak'];
    if (soak > 0) {
      soakRows = [{ scans: 0, rssMiB: rss() }];
      const batch = Math.max(10, scans.length);
      let sent = 0;
      log(`   soak: ${soak} scans in batches of ${batch}…`);
      while (sent < soak) {
        const n = Math.min(batch, soak - sent);
        const b = await Promise.all(Array.from({ length: n }, (_, i) => copyOf(scans[(sent + i) % scans.length]!, 's')));
        for (const c of b) await fs.rename(c.dir, path.join(inbox, c.id));
        await wait(b.map((c) => c.id), `soak ${sent + n}/${soak}`);
        sent += n;
        if (sent % 100 === 0 || sent === soak) {
          const row = { scans: sent, rssMiB: rss() };
          soakRows.push(row);
          log(`   soak ${sent}/${soak}: RSS api ${row.rssMiB.api} MiB, adapter ${row.rssMiB.adapter} MiB, worker ${row.rssMiB.worker} MiB`);
        }
      }
    }
    const failed = [...done.values()].filter((d) => d.status === 'failed').length;
    const result: EndToEnd = {
      workers,
      scansPerSecond,
      burstLatencyMs: { p50: Math.round(pct(burstLat, 0.5)), p95: Math.round(pct(burstLat, 0.95)), p99: Math.round(pct(burstLat, 0.99)) },
      latencyMs,
      failed,
      rssMiB: {
        api: r1(cluster.peakRssMiB('api')),
        adapter: r1(cluster.peakRssMiB('adapter')),
        worker: r1(Math.max(...Array.from({ length: workers }, (_, i) => cluster.peakRssMiB('worker', i)))),
      },
      ...(soakRows ? { soak: soakRows } : {}),
    };
    ctrl.abort();
    return result;
  } finally {
    await cluster.stop();
    await dropRedisPrefix(REDIS_URL, prefix);
    if (values['database-url']) {
      const pg = await import('pg');
      const c = new pg.default.Client({ connectionString: values['database-url'] });
      await c.connect();
      await c.query(`drop schema if exists "${prefix}" cascade`).finally(() => c.end());
    }
  }
}

const runs: EndToEnd[] = [];
const workerCounts = values['compare-workers'] ? [1, 2] : [Number(values.workers)];
for (const [i, w] of workerCounts.entries()) runs.push(await endToEnd(w, i === 0 ? SOAK : 0));
const main = runs[0]!;

// ---------------------------------------------------------------- report
const ratio = main.scansPerSecond / bareScansPerSecond;
const rows: Array<[string, string]> = [
  ['scans', `${COUNT} simulated ${first.conveyance?.type ?? "container"} scans, ${first.source.kind} ${'highMeV' in first.source ? `${first.source.highMeV}/${first.source.lowMeV} MeV` : ''}`],
  ['database', values['database-url'] ? 'PostgreSQL' : 'SQLite'],
  ['bare model (session.run)', `${bareScansPerSecond.toFixed(1)} scans/s`],
  ['analysis, one worker', `${analysisScansPerSecond.toFixed(1)} scans/s (${(analysisScansPerSecond / bareScansPerSecond).toFixed(2)} × bare)`],
  ...runs.map((r): [string, string] => [
    `end to end, ${r.workers} worker(s), burst`,
    `${r.scansPerSecond.toFixed(2)} scans/s (${(r.scansPerSecond / bareScansPerSecond).toFixed(2)} × bare), latency p50 ${r.burstLatencyMs.p50} / p95 ${r.burstLatencyMs.p95} ms, ${r.failed} failed`,
  ]),
  ...runs.map((r): [string, string] => [`paced 1 per ${INTERVAL} ms, ${r.workers} worker(s)`, `p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms`]),
  ...runs.map((r): [string, string] => [`peak RSS, ${r.workers} worker(s)`, `api ${r.rssMiB.api} MiB, adapter ${r.rssMiB.adapter} MiB, worker ${r.rssMiB.worker} MiB`]),
];
if (runs.length === 2) rows.push(['two workers / one', `${(runs[1]!.scansPerSecond / runs[0]!.scansPerSecond).toFixed(2)} ×`]);
const width = Math.max(...rows.map(([k]) => k.length));
console.log(`\nbench (${os.availableParallelism()} cores, Node ${process.versions.node}, ${model.card.id}@${model.card.version}, WORKER_CONCURRENCY ${values.concurrency ?? 'default'})`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(`  ${'end to end / bare'.padEnd(width)}  ${ratio.toFixed(2)} (target ≥ 0.8)`);
if (main.soak) {
  console.log(`\nsoak, RSS in MiB after N scans`);
  console.log('  scans     api  adapter   worker');
  for (const row of main.soak) console.log(`  ${String(row.scans).padStart(5)} ${String(row.rssMiB.api).padStart(7)} ${String(row.rssMiB.adapter).padStart(8)} ${String(row.rssMiB.worker).padStart(8)}`);
}

if (values.json) {
  const out = {
    bareScansPerSecond: r1(bareScansPerSecond),
    analysisScansPerSecond: r1(analysisScansPerSecond),
    endToEndScansPerSecond: Math.round(main.scansPerSecond * 100) / 100,
    ratioEndToEndToBare: Math.round(ratio * 1000) / 1000,
    latencyMs: main.latencyMs,
    workers: main.workers,
    workerConcurrency: values.concurrency ? Number(values.concurrency) : 'default',
    rssMiB: main.rssMiB,
    perScanMs: { decode: r1(decodeMs / COUNT), preprocess: r1(preprocessMs / COUNT), inference: r1(inferenceMs / COUNT), postprocessAndDecision: r1(otherMs / COUNT) },
    runs,
    scans: COUNT,
    intervalMs: INTERVAL,
    intraOpThreads: INTRA_OP,
    cores: os.availableParallelism(),
    model: `${model.card.id}@${model.card.version}`,
    database: values['database-url'] ? 'postgres' : 'sqlite',
  };
  await fs.mkdir(path.dirname(path.resolve(values.json)), { recursive: true });
  await fs.writeFile(values.json, `${JSON.stringify(out, null, 2)}\n`);
  log(`wrote ${values.json}`);
}
await fs.rm(root, { recursive: true, force: true });
process.exit(0);
