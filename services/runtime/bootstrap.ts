/**
 * One bootstrap for every role (issue 9 §0): opens the store, the image store and the Redis
 * connections the same way for the API, the adapter and the worker, which used to wire Redis
 * three different ways. Two kinds of Redis connection exist:
 *   - commands (publishers, job producers, queue counts, pings): fail fast while Redis is down
 *     (enableOfflineQueue false), so callers report it and retry instead of hanging;
 *   - BullMQ workers: blocking commands, retried forever (maxRetriesPerRequest null).
 * Both reconnect on their own for as long as it takes, and an outage is written to the log when
 * it starts, every minute while it lasts and when it ends (issue 10 finding 9: the adapter used to
 * start without Redis and say nothing).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { storeOptions, type AppConfig } from '../core/config.ts';
import { EventPublisher } from '../events/events.ts';
import { JobProducer, redisOptions } from '../queue/queue-repository.ts';
import { ImageStore } from '../storage/image-store.ts';
import { openStore } from '../store/database.ts';
import type { Store } from '../store/types.ts';
import { roleLogger, type Logger, type Role } from './logger.ts';

export interface RoleRuntime {
  role: Role;
  config: AppConfig;
  logger: Logger;
  store: Store;
  images: ImageStore;
  /** Fail-fast command connection shared by the role's publisher, producer, queue counts and pings. */
  redis: Redis;
  /** System events onto the Redis stream (over `redis`). */
  events: EventPublisher;
  /** BullMQ job producer (over `redis`; add() gives up after ADD_TIMEOUT_MS). */
  producer: JobProducer;
  /** A connection for a BullMQ Worker (blocking, retries forever); closed by close(). */
  workerConnection(): Redis;
  /** A Redis error seen elsewhere (a BullMQ worker's `error` event): logged once per outage. */
  redisError(err: Error, source: string): void;
  /** Closes the producer, the Redis connections and the store; close the role's own parts first. */
  close(): Promise<void>;
}

export interface BootstrapOptions {
  /** Logger of the role; default a child of the process's root logger (`{role}`). */
  logger?: Logger;
  /** How long start-up waits for Redis before going on without it (default 2 s). */
  redisWaitMs?: number;
}

/** How often a continuing outage is logged again. */
const OUTAGE_REMINDER_MS = 60_000;

/** REDIS_URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

/** ioredis options for each kind of connection; the only place they are decided. */
export function connectionOptions(url: string, kind: 'commands' | 'worker', name: string): RedisOptions {
  return {
    ...redisOptions(url),
    connectionName: name,
    ...(kind === 'commands' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null }),
  };
}

/** Logs a Redis outage once when it starts, again every minute, and when Redis answers again. */
class OutageLog {
  private downSince: number | undefined;
  private lastWarn = 0;
  closing = false;

  constructor(
    private readonly logger: Logger,
    private readonly url: string,
  ) {}

  error(err: Error, source: string): void {
    if (this.closing) return;
    const now = Date.now();
    const fields = { redis: this.url, source, err: err.message };
    if (this.downSince === undefined) {
      this.downSince = now;
      this.lastWarn = now;
      this.logger.warn(fields, `Redis unreachable at ${this.url}; retrying until it answers`);
    } else if (now - this.lastWarn >= OUTAGE_REMINDER_MS) {
      this.lastWarn = now;
      this.logger.warn({ ...fields, downForMs: now - this.downSince }, `Redis still unreachable after ${Math.round((now - this.downSince) / 1000)} s; retrying`);
    } else {
      this.logger.debug(fields, 'Redis connection error');
    }
  }

  ready(source: string): void {
    if (this.downSince === undefined) return;
    const downForMs = Date.now() - this.downSince;
    this.downSince = undefined;
    this.logger.info({ redis: this.url, source, downForMs }, 'Redis reachable again');
  }
}

/** URLs whose eviction policy this process has checked already (the launcher hosts three roles). */
const policyChecked = new Set<string>();

async function checkEvictionPolicy(redis: Redis, url: string, logger: Logger): Promise<void> {
  if (policyChecked.has(url)) return;
  policyChecked.add(url);
  try {
    const res = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = res[1] ?? 'unknown';
    if (policy !== 'noeviction') {
      logger.warn({ redis: url, policy }, `Redis maxmemory-policy is "${policy}"; BullMQ needs "noeviction" or jobs can be lost (redis-cli config set maxmemory-policy noeviction)`);
    }
  } catch (err) {
    // Managed Redis often refuses CONFIG; not worth more than a debug line.
    logger.debug({ err: (err as Error).message }, 'cannot read Redis maxmemory-policy');
  }
}

function waitReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}

export async function bootstrap(role: Role, config: AppConfig, opts: BootstrapOptions = {}): Promise<RoleRuntime> {
  const logger = opts.logger ?? roleLogger(role, config);
  const url = redactUrl(config.redisUrl);
  const outage = new OutageLog(logger, url);
  const connections: Redis[] = [];

  const open = (kind: 'commands' | 'worker', name: string): Redis => {
    const r = new Redis(connectionOptions(config.redisUrl, kind, name));
    r.on('error', (err: Error) => outage.error(err, name));
    r.on('ready', () => outage.ready(name));
    connections.push(r);
    return r;
  };

  const store = await openStore(storeOptions(config));
  const images = new ImageStore(config.imageStoreDir);
  const redis = open('commands', `cxr-${role}`);
  redis.once('ready', () => void checkEvictionPolicy(redis, url, logger));
  const producer = new JobProducer(config.redisUrl, config.queuePrefix, redis);
  const events = new EventPublisher(redis, config.queuePrefix);

  // Do not start on a connection still being opened (its first commands would fail), but do not
  // wait for Redis either: the outage is logged and every part retries until it answers.
  await waitReady(redis, opts.redisWaitMs ?? 2000);

  let workerConnections = 0;
  let closing: Promise<void> | undefined;
  return {
    role,
    config,
    logger,
    store,
    images,
    redis,
    events,
    producer,
    workerConnection: () => open('worker', `cxr-${role}-worker-${++workerConnections}`),
    redisError: (err, source) => outage.error(err, source),
    close() {
      closing ??= (async () => {
        outage.closing = true;
        await producer.close();
        // quit() on a connection that is not ready would wait (worker) or fail (commands): drop it.
        await Promise.all(connections.map((r) => (r.status === 'ready' ? r.quit().then(() => {}, () => r.disconnect()) : r.disconnect())));
        await store.close();
      })();
      return closing;
    },
  };
}
