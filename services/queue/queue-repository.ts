/**
 * Thin BullMQ adapter: producers add jobs from the job catalogue, workers consume them.
 * Every Queue/Worker gets an error listener, and producers fail fast when Redis is down
 * (enableOfflineQueue: false) so callers can report it instead of hanging.
 */
import { Queue, Worker, type Processor, type WorkerOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { jobOptions, jobQueue, type JobName, type JobPayloads, type QueueName } from '../core/jobs.ts';

/** ioredis options from a redis:// or rediss:// URL (BullMQ closes connections it builds from options). */
export function redisOptions(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

export function redisConnection(url: string, forWorker: boolean): Redis {
  return new Redis({
    ...redisOptions(url),
    // Workers block on Redis and must retry forever; producers fail fast.
    maxRetriesPerRequest: forWorker ? null : 1,
    enableOfflineQueue: forWorker,
  });
}

/** Longest a producer waits for Redis to take a job. */
export const ADD_TIMEOUT_MS = 5000;

export class JobProducer {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly connection: Redis;
  private readonly ownsConnection: boolean;

  /** `connection`: a fail-fast connection the caller owns (services/runtime/bootstrap.ts); else one of its own. */
  constructor(redisUrl: string, private readonly prefix: string, connection?: Redis) {
    this.ownsConnection = !connection;
    this.connection = connection ?? redisConnection(redisUrl, false);
    this.connection.on('error', () => {
      /* surfaced by add() failing and by readiness checks */
    });
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  /**
   * Adds a job, or throws within ADD_TIMEOUT_MS: BullMQ waits for its connection to be ready
   * before the first command, which with Redis away would hang the caller (the hot folder) for
   * good instead of letting it retry.
   */
  async add<N extends JobName>(name: N, payload: JobPayloads[N]): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the queue did not answer within ${ADD_TIMEOUT_MS / 1000} s (Redis unreachable?)`)), ADD_TIMEOUT_MS);
    });
    try {
      const job = await Promise.race([this.queue(jobQueue[name]).add(name, payload, jobOptions(name, payload)), timeout]);
      return job.id ?? '';
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    if (this.ownsConnection) this.connection.disconnect();
  }
}

export function createWorker<N extends JobName>(
  queue: QueueName,
  redisUrl: string,
  prefix: string,
  processor: Processor<JobPayloads[N]>,
  options: Partial<WorkerOptions> = {},
  onError: (err: Error) => void = (err) => console.error(`[worker:${queue}] ${err.message}`),
): Worker<JobPayloads[N]> {
  const worker = new Worker<JobPayloads[N]>(queue, processor, {
    // Options, not an instance: BullMQ then owns the connection and closes it on close().
    connection: { ...redisOptions(redisUrl), maxRetriesPerRequest: null },
    prefix,
    ...options,
  });
  worker.on('error', onError);
  return worker;
}

/** BullMQ loses jobs silently under any other eviction policy. */
export async function checkRedisPolicy(url: string): Promise<string> {
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await r.connect();
    const res = (await r.config('GET', 'maxmemory-policy')) as string[];
    return res[1] ?? 'unknown';
  } finally {
    r.disconnect();
  }
}
