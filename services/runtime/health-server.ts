/**
 * Health and metrics for the roles that have no HTTP server of their own (worker, adapter) when
 * they run as separate processes: GET /healthz (the process runs), /readyz (the store, Redis and
 * the role's own checks answer within 2 s; 503 with which one failed) and /metrics (Prometheus: process metrics and the
 * role's own gauges). Off unless HEALTH_PORT is set; under `npm start` the API's endpoints serve.
 */
import http from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RoleRuntime } from './bootstrap.ts';

const CHECK_TIMEOUT_MS = 2000;

async function within<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

/** `gauges`: role-specific values read at scrape time, e.g. { cxr_adapter_retrying_packages: () => hotFolder.retrying }. */
/**
 * `checks`: role-specific readiness checks beside the store and Redis, e.g. the adapter's image
 * store being writable and no package waiting for the infrastructure; each throws to say why not.
 */
export async function startHealthServer(
  runtime: RoleRuntime,
  port: number,
  gauges: Record<string, { help: string; value: () => number }> = {},
  checks: Record<string, () => Promise<void> | void> = {},
): Promise<HealthServer> {
  const extra = checks;
  const registry = new Registry();
  registry.setDefaultLabels({ role: runtime.role });
  collectDefaultMetrics({ register: registry });
  for (const [name, g] of Object.entries(gauges)) {
    new Gauge({
      name,
      help: g.help,
      registers: [registry],
      collect() {
        this.set(g.value());
      },
    });
  }
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'GET') return send(405, { error: 'method_not_allowed' });
    if (req.url === '/healthz') return send(200, { status: 'ok', role: runtime.role });
    if (req.url === '/readyz') {
      void (async () => {
        const checks: Record<string, string> = {};
        await within(runtime.store.ping()).then(
          () => (checks.store = 'ok'),
          (err: Error) => (checks.store = err.message),
        );
        await within(runtime.redis.ping()).then(
          () => (checks.redis = 'ok'),
          (err: Error) => (checks.redis = err.message),
        );
        for (const [name, check] of Object.entries(extra)) {
          await within(Promise.resolve().then(check)).then(
            () => (checks[name] = 'ok'),
            (err: Error) => (checks[name] = err.message),
          );
        }
        const ok = Object.values(checks).every((v) => v === 'ok');
        send(ok ? 200 : 503, { status: ok ? 'ready' : 'not_ready', role: runtime.role, checks });
      })();
      return;
    }
    if (req.url === '/metrics') {
      void registry.metrics().then((text) => send(200, text, registry.contentType));
      return;
    }
    send(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, runtime.config.host, () => resolve());
  });
  const address = server.address() as { port: number };
  runtime.logger.info({ port: address.port }, 'health and metrics endpoints listening');
  return {
    url: `http://${runtime.config.host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
