/**
 * The scan lifecycle, written down once (like services/core/review.ts for alerts): which status
 * may follow which, as data, and a pure check. services/scans/lifecycle.ts is the only writer of
 * scan status; it hands the store the statuses a change may start from (allowedFrom), so the
 * check and the write are one conditional UPDATE and, of two writers racing, the one the
 * lifecycle does not allow changes nothing.
 *
 *   (package) ─insert─▶ received ──▶ queued ──▶ analysing ──▶ analysed
 *                          │           │          │  ▲  │          │
 *                          │           │          └──┘  │          │  re-analysis
 *                          │           │        (retry / stalled   │
 *                          │           │           job re-run)     │
 *                          ▼           ▼                  ▼        │
 *                          └────────▶ failed ◀────────────┘        │
 *                                        │  re-analysis            │
 *                                        └──────────▶ queued ◀─────┘
 *
 * A finished analysis never becomes `failed` (a late failure of an old attempt is ignored), and
 * `analysed` is left only for a new analysis (→ queued).
 */
import { SCAN_STATUSES, type ScanStatus } from './domain.ts';

/** The only status a scan is inserted with. */
export const INITIAL_SCAN_STATUS = 'received' as const satisfies ScanStatus;

/** The transition table: from each status, the statuses it may become. */
export const SCAN_TRANSITIONS = {
  // Ingest queues it; a job that failed for good before it was marked queued fails it.
  received: ['queued', 'failed'],
  // A worker starts; a job refused before it starts (content changed, no model) fails it.
  queued: ['analysing', 'failed'],
  // analysing → analysing: a retried or stalled job starts again.
  analysing: ['analysing', 'analysed', 'failed'],
  // Only a new analysis (re-analysis) leaves a finished one.
  analysed: ['queued'],
  failed: ['queued'],
} as const satisfies Record<ScanStatus, readonly ScanStatus[]>;

/** Statuses of a scan whose analysis has not ended: the reconciler re-checks scans stuck in them. */
export const UNFINISHED_SCAN_STATUSES = ['received', 'queued', 'analysing'] as const satisfies readonly ScanStatus[];
/** Statuses that end an analysis; only a re-analysis leaves them. */
export const FINISHED_SCAN_STATUSES = ['analysed', 'failed'] as const satisfies readonly ScanStatus[];

/** True when a scan in `from` may become `to`. */
export function mayTransition(from: ScanStatus, to: ScanStatus): boolean {
  return (SCAN_TRANSITIONS[from] as readonly ScanStatus[]).includes(to);
}

/** The statuses from which a scan may become `to`, in vocabulary order. */
export function allowedFrom(to: ScanStatus): ScanStatus[] {
  return SCAN_STATUSES.filter((from) => mayTransition(from, to));
}

/** "scan S-1 is analysed; it cannot become failed (from analysed it can become queued)". */
export function illegalScanTransitionMessage(scanId: string, from: ScanStatus | undefined, to: ScanStatus): string {
  if (from === undefined) return `scan ${scanId} does not exist; it cannot become ${to}`;
  const can = SCAN_TRANSITIONS[from];
  return `scan ${scanId} is ${from}; it cannot become ${to} (from ${from} it can become ${can.join(', ')})`;
}

/** Thrown when a status change is not allowed from the scan's current status; nothing was written. */
export class ScanTransitionError extends Error {
  readonly statusCode = 409;
  readonly code = 'illegal_transition';
  constructor(
    readonly scanId: string,
    /** The scan's status when the change was refused; undefined when there is no such scan. */
    readonly from: ScanStatus | undefined,
    readonly to: ScanStatus,
  ) {
    super(illegalScanTransitionMessage(scanId, from, to));
    this.name = 'ScanTransitionError';
  }
}
