/**
 * The job catalogue: the single source of truth for queue names, job names, payloads and
 * job options. Producers and workers import from here only. Jobs carry ids, never pixels.
 */
import type { JobsOptions } from 'bullmq';

export const QueueName = {
  Analysis: 'analysis',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  AnalyseScan: 'analyse-scan',
} as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

export interface JobPayloads {
  [JobName.AnalyseScan]: {
    scanId: string;
    /** sha-256 of scan content at ingest, so a worker can tell it is analysing what was queued. */
    contentSha256: string;
    /**
     * Set on a re-analysis a supervisor asked for: makes its job id new, so a job of an earlier
     * run still kept in Redis (completed or failed) cannot swallow it.
     */
    run?: string;
  };
}

export const jobQueue: Record<JobName, QueueName> = {
  [JobName.AnalyseScan]: QueueName.Analysis,
};

/**
 * Deterministic job ids make enqueueing idempotent: adding the same scan twice while the
 * first job is still kept is ignored by BullMQ. The database upsert keyed on
 * (scan, model, version) is the real guard, because removed jobs no longer dedupe.
 * BullMQ ids must not contain ':' and must not be all digits.
 */
export function jobId<N extends JobName>(name: N, payload: JobPayloads[N]): string {
  switch (name) {
    case JobName.AnalyseScan:
      return `${name}-${payload.scanId}-${payload.contentSha256.slice(0, 16)}${payload.run ? `-r${payload.run}` : ''}`;
    default:
      throw new Error(`no job id rule for ${String(name)}`);
  }
}

export function jobOptions<N extends JobName>(name: N, payload: JobPayloads[N]): JobsOptions {
  return {
    jobId: jobId(name, payload),
    // Transient faults (Redis blip, file system hiccup) retry with backoff; corrupt input
    // throws UnrecoverableError in the worker and fails at once.
    attempts: 4,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.3 },
    removeOnComplete: { age: 3600, count: 5000 },
    // The failed set is part of the audit trail; keep it long.
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}
