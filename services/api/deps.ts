/**
 * What the API needs from the outside world, injected so that tests can build the app
 * over a real store and image store without Redis, BullMQ or model files.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AppConfig } from '../core/config.ts';
import type { EventSubscriber } from '../events/events.ts';
import type { ModelRegistry } from '../model-registry/registry.ts';
import type { ImageStore } from '../storage/image-store.ts';
import type { Store } from '../store/types.ts';

export interface QueueHealth {
  ok: boolean;
  /** Jobs per BullMQ state (waiting, active, delayed, failed…). */
  counts?: Record<string, number>;
}

export interface ApiDeps {
  config: AppConfig;
  store: Store;
  images: ImageStore;
  /** Source of server-sent events; without it /v1/events answers 503. */
  events?: Pick<EventSubscriber, 'on'> & Partial<Pick<EventSubscriber, 'since'>>;
  queueHealth?: () => Promise<QueueHealth>;
  redisPing?: () => Promise<void>;
  models?: () => Promise<ModelRegistry>;
  /** Adds an analysis job (re-analysis on request); without it the reanalyse route answers 503. */
  enqueueAnalysis?: (payload: { scanId: string; contentSha256: string; run: string }) => Promise<void>;
}

export interface BuildAppOptions {
  /** Fastify logger option; defaults to `{ level: config.logLevel }`. Tests pass false. */
  logger?: boolean | { level: string };
  /** A pino logger to log through instead (startApi passes the role's, services/runtime/logger.ts); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Interval of SSE heartbeat comments (default 15 s). */
  sseHeartbeatMs?: number;
  /** Per-dependency timeout of readiness checks (default 2 s). */
  readinessTimeoutMs?: number;
  /** Register prom-client's default process metrics (default true). */
  processMetrics?: boolean;
}
