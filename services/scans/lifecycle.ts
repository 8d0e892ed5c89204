/**
 * The one writer of scans (issue 9 §0): the only code that inserts a scan or changes its status
 * (tests/house/scan-transitions.test.ts fails on any other caller). Every change is checked
 * against the lifecycle (services/core/scan-lifecycle.ts) in the same conditional write that makes
 * it — an illegal one throws ScanTransitionError and writes nothing, and of two writers racing the
 * one the lifecycle does not allow changes nothing —, its audit entries are appended in the same
 * transaction, and only then is the event published. Events are notifications (the database is
 * the record): a Redis failure is logged, never fails or repeats the write.
 */
import type { Actor } from '../core/access.ts';
import type { AuditInput } from '../core/audit.ts';
import type { ScanRecord, ScanStatus } from '../core/domain.ts';
import { allowedFrom, FINISHED_SCAN_STATUSES, INITIAL_SCAN_STATUS, mayTransition, ScanTransitionError } from '../core/scan-lifecycle.ts';
import type { EventPublisher, SystemEvent } from '../events/events.ts';
import type { AnalysisResult, ScanInsertOutcome, ScanStatusPatch, Store } from '../store/types.ts';

export interface ScanLifecycleDeps {
  store: Store;
  events?: Pick<EventPublisher, 'publish'>;
  /** Who changes scans through this instance: systemActor('adapter'|'worker'), or a person. */
  actor: Actor;
  log?: (msg: string) => void;
}

/** What the analysis wrote beside the status (the lifecycle adds status, check and audit). */
export type AnalysedPatch = Pick<ScanStatusPatch, 'verdict' | 'verdictReasons' | 'calibration' | 'timings' | 'failureReason'>;

const MAX_REASON = 2000;
/** An absolute path in quotes (may hold spaces), as Node's fs errors print it. */
const QUOTED_PATH = /(['"`])\/[^'"`\n]*\1/g;
/** A bare absolute path: a slash not inside a word, URL or relative path, then segments. */
const BARE_PATH = /(?<![\w.:/~…-])\/(?:[^\s'"`,;:()/]+\/)*[^\s'"`,;:()/]+/g;

/** "…/<last segment>": names the file (an image's sha-256, a file name) without the server's layout. */
function neutralPath(p: string): string {
  const last = p.split('/').filter(Boolean).pop();
  return last ? `…/${last}` : '…';
}

/**
 * A failure reason as stored and shown to API clients: absolute server paths (the ENOENT
 * message of fs.access on the image store, a decoder's message) are cut to their last segment.
 */
export function publicReason(reason: string): string {
  return reason
    .replace(QUOTED_PATH, (m, q: string) => `${q}${neutralPath(m.slice(1, -1))}${q}`)
    .replace(BARE_PATH, (m) => neutralPath(m))
    .slice(0, MAX_REASON);
}

export class ScanLifecycle {
  constructor(private readonly deps: ScanLifecycleDeps) {}

  private who(): AuditInput['actor'] {
    const { kind, id, name } = this.deps.actor;
    return { kind, id, name };
  }

  private async notify(event: SystemEvent): Promise<void> {
    try {
      await this.deps.events?.publish(event);
    } catch (err) {
      this.deps.log?.(`event ${event.type} for ${'scanId' in event ? event.scanId : '?'} not published: ${(err as Error).message}`);
    }
  }

  /** A status change as the store writes it: only from a status the lifecycle allows (and `only` narrows). */
  private change(to: ScanStatus, rest: Omit<ScanStatusPatch, 'status' | 'from'>, only?: readonly ScanStatus[]): ScanStatusPatch {
    const from = allowedFrom(to).filter((s) => !only || only.includes(s));
    return { ...rest, status: to, from };
  }

  /**
   * A new scan arrives: inserted as `received` with its `scan.received` audit entry in one
   * transaction; a duplicate or conflicting scanId writes nothing (the outcome says which).
   */
  async receive(record: ScanRecord): Promise<ScanInsertOutcome> {
    const outcome = await this.deps.store.scans.insert({ ...record, status: INITIAL_SCAN_STATUS, verdict: null, failureReason: null }, [
      {
        actor: this.who(),
        action: 'scan.received',
        object: { type: 'scan', id: record.scanId },
        after: { status: INITIAL_SCAN_STATUS, laneId: record.laneId, contentSha256: record.contentSha256, images: record.images.map((i) => i.sha256) },
      },
    ]);
    if (outcome === 'inserted') {
      await this.notify({ type: 'scan.status', scanId: record.scanId, laneId: record.laneId, status: INITIAL_SCAN_STATUS, verdict: null, at: record.receivedAt });
    }
    return outcome;
  }

  /**
   * received → queued, before its job is added (ingest, or the reconciler for a scan whose
   * queued write never happened). With `reanalysis`: analysed|failed → queued, the verdict and
   * failure cleared, audited as scan.reanalyse_requested by the person who asked.
   */
  async queued(scanId: string, laneId: string, opts: { reanalysis?: { requestedBy: Actor; reason: string } } = {}): Promise<void> {
    const at = new Date().toISOString();
    const re = opts.reanalysis;
    const patch = re
      ? this.change(
          'queued',
          {
            verdict: null,
            failureReason: null,
            timings: { queuedAt: at },
            audit: [
              {
                actor: { kind: re.requestedBy.kind, id: re.requestedBy.id, name: re.requestedBy.name },
                action: 'scan.reanalyse_requested',
                object: { type: 'scan', id: scanId },
                after: { status: 'queued', reason: re.reason },
              },
            ],
          },
          FINISHED_SCAN_STATUSES,
        )
      : this.change('queued', { timings: { queuedAt: at } }, ['received']);
    await this.deps.store.scans.updateStatus(scanId, patch);
    await this.notify({ type: 'scan.status', scanId, laneId, status: 'queued', verdict: null, at });
  }

  /** A worker starts (or, after a retry or stall, restarts) the analysis. */
  async analysing(scan: Pick<ScanRecord, 'scanId' | 'laneId'>): Promise<void> {
    const at = new Date().toISOString();
    await this.deps.store.scans.updateStatus(scan.scanId, this.change('analysing', { timings: { startedAt: at } }));
    await this.notify({ type: 'scan.status', scanId: scan.scanId, laneId: scan.laneId, status: 'analysing', verdict: null, at });
  }

  /**
   * The analysis finished: results, status, verdict, `scan.analysed` (verdict, model versions)
   * and one `alert.raised` per stored alert in one transaction; then the events.
   */
  async analysed(scan: Pick<ScanRecord, 'scanId' | 'laneId'>, results: AnalysisResult[], patch: AnalysedPatch): Promise<void> {
    const at = patch.timings?.finishedAt ?? new Date().toISOString();
    const actor = this.who();
    const audit: AuditInput[] = [
      {
        actor,
        action: 'scan.analysed',
        object: { type: 'scan', id: scan.scanId },
        after: {
          status: 'analysed',
          verdict: patch.verdict ?? null,
          verdictReasons: (patch.verdictReasons ?? []).map((r) => r.code),
          models: results.map((r) => ({ modelId: r.stamp.modelId, modelVersion: r.stamp.modelVersion, modelSha256: r.stamp.modelSha256 })),
          detections: results.reduce((n, r) => n + r.detections.length, 0),
          calibration: patch.calibration ?? null,
        },
      },
      ...results.flatMap((r): AuditInput[] =>
        r.alert
          ? [
              {
                actor,
                action: 'alert.raised',
                object: { type: 'alert', id: r.alert.id },
                after: {
                  scanId: scan.scanId,
                  class: r.alert.class,
                  score: r.alert.score,
                  reasons: r.alert.reasons.map((x) => x.code),
                  modelId: r.stamp.modelId,
                  modelVersion: r.stamp.modelVersion,
                },
              },
            ]
          : [],
      ),
    ];
    const full = this.change('analysed', { ...patch, failureReason: patch.failureReason ?? null, audit });
    // A scan no model read (`needs_review` with only skipped models) has no results to record beside it.
    if (results.length > 0) await this.deps.store.recordAnalysis(results, full);
    else await this.deps.store.scans.updateStatus(scan.scanId, full);
    await this.notify({
      type: 'scan.status',
      scanId: scan.scanId,
      laneId: scan.laneId,
      status: 'analysed',
      verdict: patch.verdict ?? null,
      verdictReasons: patch.verdictReasons,
      timings: patch.timings,
      at,
    });
    for (const r of results) {
      if (!r.alert) continue;
      await this.notify({ type: 'alert.created', alertId: r.alert.id, scanId: scan.scanId, laneId: scan.laneId, class: r.alert.class, score: r.alert.score, at });
    }
  }

  /**
   * The analysis failed for good, with `reason` (server paths cut, see publicReason). False, and
   * nothing written, when the lifecycle does not allow it: never over a finished analysis (a late
   * failure of an old attempt), never twice.
   */
  async failed(scanId: string, reason: string): Promise<boolean> {
    const scan = await this.deps.store.scans.get(scanId);
    if (!scan || !mayTransition(scan.status, 'failed')) return false;
    const at = new Date().toISOString();
    const failureReason = publicReason(reason);
    try {
      await this.deps.store.scans.updateStatus(
        scanId,
        this.change('failed', {
          verdict: null,
          failureReason,
          timings: { finishedAt: at },
          audit: [{ actor: this.who(), action: 'scan.failed', object: { type: 'scan', id: scanId }, before: { status: scan.status }, after: { status: 'failed', reason: failureReason } }],
        }),
      );
    } catch (err) {
      if (err instanceof ScanTransitionError) return false; // finished (or failed) meanwhile
      throw err;
    }
    await this.notify({ type: 'scan.status', scanId, laneId: scan.laneId, status: 'failed', verdict: null, failureReason, at });
    return true;
  }
}
