/**
 * Process configuration from the environment, read once and shared by every role
 * (API, adapter, worker, launcher) so that each can also run alone on its own host.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AppConfig {
  dataDir: string;
  inboxDir: string;
  rejectedDir: string;
  imageStoreDir: string;
  /** SQLite file used when databaseUrl is unset. */
  sqlitePath: string;
  /** PostgreSQL connection string; when set, PostgreSQL is used instead of SQLite. */
  databaseUrl: string | undefined;
  /** PostgreSQL schema for all tables (DATABASE_SCHEMA); default: the connection's search_path. */
  databaseSchema: string | undefined;
  redisUrl: string;
  /** BullMQ key prefix, so deployments (and test runs) sharing one Redis stay apart. */
  queuePrefix: string;
  host: string;
  port: number;
  modelsDir: string;
  /** Comma-separated model ids to run in shadow mode (stored, never alert). */
  shadowModels: string[];
  /** Hot-folder poll interval and the quiet time after which file sizes count as settled. */
  inboxPollMs: number;
  inboxSettleMs: number;
  workerConcurrency: number;
  /** Backpressure (MAX_QUEUED_SCANS): the adapter stops taking packages while this many scans wait for analysis. */
  maxQueuedScans: number;
  /**
   * How long a worker holds a job before BullMQ counts it stalled (JOB_LOCK_MS): a worker killed
   * mid-job is noticed after about this long. Renewed every half of it while the job runs.
   */
  jobLockMs: number;
  /** Longest one model run may take (INFERENCE_TIMEOUT_MS); then its thread is replaced and the job retries. */
  inferenceTimeoutMs: number;
  /** Reconciler: how often it runs, and how long a scan must sit unchanged before it acts. */
  reconcileEveryMs: number;
  reconcileAfterMs: number;
  logLevel: string;
  /** How long an inspector's claim on an alert lasts (ALERT_CLAIM_MINUTES); then it reads as open. */
  alertClaimMinutes: number;
  /** Identity (services/access, docs/access.md): password of the `admin` created on first start (else random, logged once). */
  adminPassword: string | undefined;
  /** Lifetime of a login session, minutes (absolute, not sliding). */
  sessionTtlMinutes: number;
  /** Mark the session cookie Secure (set when the API is served over HTTPS). */
  cookieSecure: boolean;
  /** /metrics without credentials (else supervisor/admin only). */
  metricsPublic: boolean;
  /** Login attempts per minute per client IP and username. */
  loginRateLimit: number;
  /** Ed25519 key signing audit checkpoints (created on first use, mode 0600). */
  auditKeyFile: string;
  /** How often the API signs the audit chain's head (ms). */
  auditCheckpointEveryMs: number;
  /** The API signs a checkpoint at every multiple of this many audit entries; verification expects them. */
  auditCheckpointEvery: number;
  /** Worker or adapter run alone: port of their /healthz, /readyz, /metrics (0: off). */
  healthPort: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  if (raw === 'false' || raw === '0' || raw === 'no') return false;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  return {
    dataDir,
    inboxDir: path.resolve(env.INBOX_DIR || path.join(dataDir, 'inbox')),
    rejectedDir: path.resolve(env.REJECTED_DIR || path.join(dataDir, 'rejected')),
    imageStoreDir: path.resolve(env.IMAGE_STORE_DIR || path.join(dataDir, 'images')),
    sqlitePath: path.resolve(env.SQLITE_PATH || path.join(dataDir, 'cargo-xray.sqlite')),
    databaseUrl: env.DATABASE_URL || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379',
    queuePrefix: env.QUEUE_PREFIX || 'cxr',
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 8080),
    modelsDir: path.resolve(env.MODELS_DIR || fileURLToPath(new URL('../../models', import.meta.url))),
    shadowModels: (env.SHADOW_MODELS || '').split(',').map((s) => s.trim()).filter(Boolean),
    inboxPollMs: int(env, 'INBOX_POLL_MS', 500),
    inboxSettleMs: int(env, 'INBOX_SETTLE_MS', 1000),
    workerConcurrency: Math.max(1, int(env, 'WORKER_CONCURRENCY', 2)),
    maxQueuedScans: Math.max(1, int(env, 'MAX_QUEUED_SCANS', 200)),
    jobLockMs: Math.max(2000, int(env, 'JOB_LOCK_MS', 60_000)),
    inferenceTimeoutMs: Math.max(1000, int(env, 'INFERENCE_TIMEOUT_MS', 120_000)),
    reconcileEveryMs: Math.max(1000, int(env, 'RECONCILE_EVERY_MS', 60_000)),
    reconcileAfterMs: int(env, 'RECONCILE_AFTER_MS', 180_000),
    logLevel: env.LOG_LEVEL || 'info',
    alertClaimMinutes: Math.max(1, int(env, 'ALERT_CLAIM_MINUTES', 15)),
    adminPassword: env.ADMIN_PASSWORD || undefined,
    sessionTtlMinutes: Math.max(1, int(env, 'SESSION_TTL_MINUTES', 720)),
    cookieSecure: bool(env, 'COOKIE_SECURE', false),
    metricsPublic: bool(env, 'METRICS_PUBLIC', false),
    loginRateLimit: Math.max(1, int(env, 'LOGIN_RATE_LIMIT', 10)),
    auditKeyFile: path.resolve(env.AUDIT_KEY_FILE || path.join(dataDir, 'audit-signing-key.pem')),
    auditCheckpointEveryMs: Math.max(1000, int(env, 'AUDIT_CHECKPOINT_EVERY_MS', 60_000)),
    healthPort: int(env, 'HEALTH_PORT', 0),
    auditCheckpointEvery: Math.max(1, int(env, 'AUDIT_CHECKPOINT_EVERY', 100)),
  };
}

/** Options for openStore() from the configuration: PostgreSQL when DATABASE_URL is set, else SQLite. */
export function storeOptions(config: AppConfig): { databaseUrl?: string; sqlitePath: string; pgSchema?: string } {
  return { databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, pgSchema: config.databaseUrl ? config.databaseSchema : undefined };
}
