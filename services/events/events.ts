/**
 * System events (scan status changes, new alerts, calibration profiles stored or refused)
 * published by adapter and workers to a Redis stream and fanned out by the API as server-sent
 * events. The stream gives every event a durable id (Redis's "<ms>-<seq>"), the same for every API
 * process and across restarts, so a client that reconnects with Last-Event-ID gets what it
 * missed (the newest EVENT_STREAM_MAXLEN events are kept). Events are notifications, not the
 * system of record: the database is; a client the stream cannot catch up is told to re-read it.
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
    }
  | {
      /** The adapter quarantined a package (kept on disk with its reason; listed at /v1/rejections). */
      type: 'scan.rejected';
      rejectionId: string;
      packageName: string;
      /** null when the package's metadata could not be read that far. */
      laneId: string | null;
      scanId: string | null;
      code: string;
      message: string;
      at: string;
    };

/** The Redis stream holding recent events. */
export function eventStreamKey(prefix: string): string {
  return `${prefix}:event-stream`;
}

/** Events kept for catching up (approximate: Redis trims whole nodes). */
export const EVENT_STREAM_MAXLEN = 10_000;

/** Redis stream ids are "<ms>-<seq>". */
export const EVENT_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;

/** Orders two stream ids (negative: a before b). */
export function compareEventIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

export interface StoredEvent {
  id: string;
  event: SystemEvent;
}

function parseEntries(entries: [string, string[]][]): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const [id, fields] of entries) {
    const i = fields.indexOf('e');
    if (i < 0 || i + 1 >= fields.length) continue;
    try {
      out.push({ id, event: JSON.parse(fields[i + 1]!) as SystemEvent });
    } catch {
      /* not ours */
    }
  }
  return out;
}

export class EventPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Appends the event to the stream; returns its durable id. */
  async publish(event: SystemEvent): Promise<string> {
    const id = await this.redis.xadd(eventStreamKey(this.prefix), 'MAXLEN', '~', String(EVENT_STREAM_MAXLEN), '*', 'e', JSON.stringify(event));
    return id!;
  }
}

/**
 * Follows the stream on a blocking connection of its own and hands each event, with its id, to
 * the listeners; answers catch-up queries on a second connection.
 */
export class EventSubscriber {
  private readonly reader: Redis;
  private readonly query: Redis;
  private readonly listeners = new Set<(e: SystemEvent, id: string) => void>();
  private readonly key: string;
  private lastId: string | undefined;
  private closed = false;
  private loop: Promise<void> | undefined;

  constructor(redisUrl: string, prefix: string) {
    this.key = eventStreamKey(prefix);
    this.reader = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.query = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true, enableOfflineQueue: false });
    for (const r of [this.reader, this.query]) {
      r.on('error', () => {
        /* reconnects on its own; readiness reports Redis state */
      });
    }
  }

  /** Connects and starts following from the stream's current end. */
  async start(): Promise<void> {
    await Promise.all([this.reader.connect(), this.query.connect()]);
    // Start after the newest entry that exists now, so nothing published from here on is missed.
    const newest = (await this.query.xrevrange(this.key, '+', '-', 'COUNT', 1)) as [string, string[]][];
    this.lastId = newest[0]?.[0] ?? '0-0';
    this.loop = this.follow();
  }

  private async follow(): Promise<void> {
    while (!this.closed) {
      try {
        const res = (await this.reader.xread('COUNT', 500, 'BLOCK', 5000, 'STREAMS', this.key, this.lastId!)) as [string, [string, string[]][]][] | null;
        if (!res) continue;
        for (const [, entries] of res) {
          for (const { id, event } of parseEntries(entries)) {
            for (const l of this.listeners) l(event, id);
          }
          const last = entries[entries.length - 1];
          if (last) this.lastId = last[0];
        }
      } catch {
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  on(listener: (e: SystemEvent, id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Events after `afterId`, oldest first, at most `limit`. `complete` is false when the stream no
   * longer reaches back to `afterId` (trimmed) or more than `limit` events followed it: the caller
   * must then re-read state from the store.
   */
  async since(afterId: string, limit = 5000): Promise<{ events: StoredEvent[]; complete: boolean }> {
    const first = (await this.query.xrange(this.key, '-', '+', 'COUNT', 1)) as [string, string[]][];
    const oldest = first[0]?.[0];
    const entries = (await this.query.xrange(this.key, `(${afterId}`, '+', 'COUNT', limit + 1)) as [string, string[]][];
    const trimmed = oldest !== undefined && compareEventIds(afterId, oldest) < 0 && afterId !== '0-0';
    const events = parseEntries(entries.slice(0, limit));
    return { events, complete: !trimmed && entries.length <= limit };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.reader.disconnect();
    this.query.disconnect();
    await this.loop?.catch(() => {});
  }
}
