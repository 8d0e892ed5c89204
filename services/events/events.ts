/**
 * System events (scan status changes, new alerts, calibration profiles stored or refused)
 * published by adapter and workers on a Redis pub/sub channel and fanned out by the API as
 * server-sent events. Events are notifications, not the system of record: the database is. A
 * subscriber that missed one re-reads the store.
 */
import { Redis } from 'ioredis';
import type { SourceSpec } from '../core/scan-metadata.ts';
import type { DetectionClass, ScanRecord, ScanStatus, Verdict, VerdictReason } from '../core/domain.ts';
import type { CalibrationStatus } from '../store/types.ts';

export type SystemEvent =
  | {
      type: 'scan.status';
      scanId: string;
      laneId: string;
      status: ScanStatus;
      verdict: Verdict | null;
      /** With `analysed`: why the verdict is what it is beyond the alerts (e.g. `outside_validated_domain`). */
      verdictReasons?: VerdictReason[];
      failureReason?: string | null;
      timings?: ScanRecord['timings'];
      at: string;
    }
  | {
      type: 'alert.created';
      alertId: string;
      scanId: string;
      laneId: string;
      class: DetectionClass;
      score: number;
      at: string;
    }
  | {
      /** A calibration package was fitted and its profile stored: `active`, or `refused` with the reason. */
      type: 'calibration.profile';
      profileId: string;
      calibrationId: string;
      serial: string;
      sourceKind: SourceSpec['kind'];
      status: CalibrationStatus;
      /** 1, 2, … per scanner serial and source kind, refused profiles included. */
      version: number;
      /** Why the fit was refused; null when active. */
      reason: string | null;
      at: string;
    };

export function eventChannel(prefix: string): string {
  return `${prefix}:events`;
}

export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async publish(event: SystemEvent): Promise<void> {
    await this.redis.publish(eventChannel(this.prefix), JSON.stringify(event));
  }
}

/** Subscribes on its own connection (a subscribed ioredis client can do nothing else). */
export class EventSubscriber {
  private readonly redis: Redis;
  private readonly listeners = new Set<(e: SystemEvent) => void>();

  constructor(redisUrl: string, private readonly prefix: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.redis.on('error', () => {
      /* reconnects on its own; readiness reports Redis state */
    });
    this.redis.on('message', (_channel: string, message: string) => {
      let event: SystemEvent;
      try {
        event = JSON.parse(message) as SystemEvent;
      } catch {
        return;
      }
      for (const l of this.listeners) l(event);
    });
  }

  async start(): Promise<void> {
    await this.redis.connect();
    await this.redis.subscribe(eventChannel(this.prefix));
  }

  on(listener: (e: SystemEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.redis.disconnect();
  }
}
