/**
 * The system as separate real processes — API, adapter, workers — the way a deployment runs
 * them (`npm run start:api` etc.: `node --import tsx <role main>`), for the benchmark and the
 * fault suite. Each role gets its own environment over a shared one, can be SIGKILLed and
 * started again, and reports its peak RSS from /proc. Nothing here is a mock: the roles talk to
 * the real Redis and database given in the environment.
 *
 *   const c = await startCluster({ env: { DATA_DIR, QUEUE_PREFIX, … }, workers: 2 });
 *   await c.waitReady();
 *   c.kill('worker', 0); await c.start('worker', 0);
 *   await c.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export type RoleName = 'api' | 'adapter' | 'worker';

const MAIN: Record<RoleName, string> = {
  api: 'services/api/main.ts',
  adapter: 'scanner-adapter/src/main.ts',
  worker: 'workers/src/main.ts',
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Deletes every Redis key under a test run's queue prefix. */
export async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

export interface RoleProcess {
  role: RoleName;
  index: number;
  /** The port its readiness answers on: PORT for the API, HEALTH_PORT for the others. */
  port: number;
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

export interface ClusterOptions {
  /** Shared environment (DATA_DIR, QUEUE_PREFIX, DATABASE_URL, REDIS_URL, …) over process.env. */
  env: Record<string, string>;
  workers?: number;
  /** Which roles to start (default all). */
  roles?: RoleName[];
  /** Echo role output to stderr (default: only when BENCH_VERBOSE/FAULTS_VERBOSE is set). */
  verbose?: boolean;
}

export interface Cluster {
  apiUrl: string;
  procs: RoleProcess[];
  proc(role: RoleName, index?: number): RoleProcess;
  /** Starts (or restarts) a role process on its ports. */
  start(role: RoleName, index?: number, extraEnv?: Record<string, string>): Promise<RoleProcess>;
  /** SIGKILL, and wait until the process is gone. */
  kill(role: RoleName, index?: number): Promise<void>;
  /** SIGTERM, and the exit code. */
  terminate(role: RoleName, index?: number): Promise<number | null>;
  /** Waits until every running role answers 200 on /readyz (default 120 s). */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Status of /readyz for one role (0 when it does not answer). */
  readyStatus(role: RoleName, index?: number): Promise<number>;
  /** Peak resident set (VmHWM) of a role process in MiB, from /proc; NaN when gone. */
  peakRssMiB(role: RoleName, index?: number): number;
  /** Current resident set (VmRSS) in MiB. */
  rssMiB(role: RoleName, index?: number): number;
  stop(): Promise<void>;
}

function procStatus(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  if (!pid) return NaN;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const roles = opts.roles ?? ['api', 'adapter', 'worker'];
  const workers = opts.workers ?? 1;
  const verbose = opts.verbose ?? Boolean(process.env.BENCH_VERBOSE || process.env.FAULTS_VERBOSE);
  const ports = new Map<string, number>();
  const key = (role: RoleName, index: number) => `${role}#${index}`;
  const procs: RoleProcess[] = [];

  const start = async (role: RoleName, index = 0, extraEnv: Record<string, string> = {}): Promise<RoleProcess> => {
    const k = key(role, index);
    if (!ports.has(k)) ports.set(k, await freePort());
    const port = ports.get(k)!;
    const env = {
      ...process.env,
      LOG_LEVEL: 'warn',
      ...opts.env,
      ...(role === 'api' ? { PORT: String(port) } : { HEALTH_PORT: String(port) }),
      ...extraEnv,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN[role]], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    const take = (b: Buffer) => {
      const s = b.toString();
      output.push(s);
      if (output.length > 2000) output.splice(0, 1000);
      if (verbose) process.stderr.write(`[${k}] ${s}`);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const p: RoleProcess = { role, index, port, child, output, exited };
    const at = procs.findIndex((q) => q.role === role && q.index === index);
    if (at >= 0) procs[at] = p;
    else procs.push(p);
    return p;
  };

  const proc = (role: RoleName, index = 0): RoleProcess => {
    const p = procs.find((q) => q.role === role && q.index === index);
    if (!p) throw new Error(`no ${role} #${index} in this cluster`);
    return p;
  };

  const readyStatus = async (role: RoleName, index = 0): Promise<number> => {
    const p = proc(role, index);
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}/readyz`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return 0;
    }
  };

  // The API first: it runs the migrations and creates the admin the others never need.
  if (roles.includes('api')) await start('api');
  if (roles.includes('adapter')) await start('adapter');
  if (roles.includes('worker')) for (let i = 0; i < workers; i++) await start('worker', i);

  const running = () => procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null);

  const cluster: Cluster = {
    apiUrl: roles.includes('api') ? `http://127.0.0.1:${proc('api').port}` : '',
    procs,
    proc,
    start,
    async kill(role, index = 0) {
      const p = proc(role, index);
      p.child.kill('SIGKILL');
      await p.exited;
    },
    async terminate(role, index = 0) {
      const p = proc(role, index);
      p.child.kill('SIGTERM');
      return p.exited;
    },
    async waitReady(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const live = running();
        const dead = procs.filter((p) => !live.includes(p));
        if (dead.length) throw new Error(`${dead.map((p) => `${p.role}#${p.index}`).join(', ')} exited:\n${dead.map((p) => p.output.join('').slice(-3000)).join('\n')}`);
        const statuses = await Promise.all(live.map((p) => readyStatus(p.role, p.index)));
        if (statuses.every((s) => s === 200)) return;
        if (Date.now() > deadline) {
          throw new Error(`not ready after ${timeoutMs} ms: ${live.map((p, i) => `${p.role}#${p.index}=${statuses[i]}`).join(' ')}\n${live.map((p) => p.output.join('').slice(-2000)).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    readyStatus,
    peakRssMiB: (role, index = 0) => procStatus(proc(role, index).child.pid, 'VmHWM'),
    rssMiB: (role, index = 0) => procStatus(proc(role, index).child.pid, 'VmRSS'),
    async stop() {
      // Intake first, then the workers, the API last (as the launcher does).
      const order: RoleName[] = ['adapter', 'worker', 'api'];
      for (const role of order) {
        await Promise.all(
          running()
            .filter((p) => p.role === role)
            .map(async (p) => {
              p.child.kill('SIGTERM');
              const t = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
              await p.exited;
              clearTimeout(t);
            }),
        );
      }
    },
  };
  return cluster;
}
