/**
 * The only writer of scan status. Every change goes through here: it is checked against the
 * lifecycle (services/core/scan-lifecycle.ts) by a conditional write in the store — so of two
 * writers racing, the one the lifecycle does not allow changes nothing — its audit entries are
 * appended in the same transaction, and only after the write is the event published (events are
 * notifications: a Redis failure is logged, never fails or repeats the write).
 */
import path from 'node:path';
import type { Actor } from '../core/access.ts';
import type { AuditInput } from '../core/audit.ts';
import type { ScanRecord } from '../core/domain.ts';
import { SCAN_TRANSITIONS_FROM, type ScanStatus } from '../core/scan-lifecycle.ts';
import type { EventPublisher, SystemEvent } from '../events/events.ts';
import type { AnalysisResult, ScanInsertOutcome, ScanStatusPatch, Store } from '../store/types.ts';

export interface ScanLifecycleDeps {
  store: Store;
  events?: Pick<EventPublisher, 'publish'>;
  /** Who changes status through this instance (the adapter, a worker, a supervisor's request). */
  actor: Actor;
  log?: (msg: string) => void;
}

/**
 * Failure reasons are shown to API clients: absolute server paths (e.g. in an ENOENT message
 * from the image store) are cut to their last two segments.
 */
export function publicReason(reason: string): string {
  return reason.replace(/(?:\/[^\s'",:;()]+){2,}/g, (p) => `…/${p.split(path.sep).slice(-2).join('/')}`).slice(0, 2000);
}

export class ScanLifecycle {
  constructor(private readonly deps: ScanLifecycleDeps) {}

  private who(): AuditInput['actor'] {
    return { kind: this.deps.actor.kind, id: this.deps.actor.id, name: this.deps.actor.name };
  }

  private async notify(event: SystemEvent): Promise<void> {
    try {
      await this.deps.events?.publish(event);
    } catch (err) {
      this.deps.log?.(`event ${event.type} for ${'scanId' in event ? event.scanId : '?'} not published: ${(err as Error).message}`);
    }
  }

  private patch(to: ScanStatus, rest: Omit<ScanStatusPatch, 'status' | 'from'>): ScanStatusPatch {
    return { ...rest, status: to, from: SCAN_TRANSITIONS_FROM[to] };
  }

  /** A new scan arrives: stored as `received` with its `scan.received` audit entry. */
  async receive(record: ScanRecord): Promise<ScanInsertOutcome> {
    const outcome = await this.deps.store.scans.insert({ ...record, status: 'received' }, [
      {
        actor: this.who(),
        action: 'scan.received',
        object: { type: 'scan', id: record.scanId },
        after: { laneId: record.laneId, contentSha256: record.contentSha256, images: record.images.map((i) => i.sha256) },
      },
    ]);
    if (outcome === 'inserted') {
      await this.notify({ type: 'scan.status', scanId: record.scanId, laneId: record.laneId, status: 'received', verdict: null, at: record.receivedAt });
    }
    return outcome;
  }

  /** Marks a scan queued for analysis (before its job is added). */
  async queued(scanId: string, laneId: string, opts: { reanalysis?: { requestedBy: Actor; reason: string } } = {}): Promise<void> {
    const at = new Date().toISOString();
    const audit: AuditInput[] = opts.reanalysis
      ? [
          {
            actor: { kind: opts.reanalysis.requestedBy.kind, id: opts.reanalysis.requestedBy.id, name: opts.reanalysis.requestedBy.name },
            action: 'scan.reanalyse_requested',
            object: { type: 'scan', id: scanId },
            after: { reason: opts.reanalysis.reason },
          },
        ]
      : [];
    // A re-analysis starts from analysed or failed only; the ingest path from received or queued.
    const from: readonly ScanStatus[] = opts.reanalysis ? ['analysed', 'failed'] : ['received', 'queued'];
    await this.deps.store.scans.updateStatus(scanId, { status: 'queued', from, timings: { queuedAt: at }, ...(opts.reanalysis ? { verdict: null, failureReason: null } : {}), audit });
    await this.notify({ type: 'scan.status', scanId, laneId, status: 'queued', verdict: null, at });
  }

  /** A worker starts (or restarts) the analysis. */
  async analysing(scan: ScanRecord): Promise<void> {
    const at = new Date().toISOString();
    await this.deps.store.scans.updateStatus(scan.scanId, this.patch('analysing', { timings: { startedAt: at } }));
    await this.notify({ type: 'scan.status', scanId: scan.scanId, laneId: scan.laneId, status: 'analysing', verdict: null, at });
  }

  /** The analysis finished: results, status, verdict and their audit entries in one transaction, then the events. */
  async analysed(scan: ScanRecord, results: AnalysisResult[], patch: Omit<ScanStatusPatch, 'status' | 'from' | 'audit'>): Promise<void> {
    const at = patch.timings?.finishedAt ?? new Date().toISOString();
    const audit: AuditInput[] = [
      {
        actor: this.who(),
        action: 'scan.analysed',
        object: { type: 'scan', id: scan.scanId },
        after: {
          verdict: patch.verdict ?? null,
          verdictReasons: (patch.verdictReasons ?? []).map((r) => r.code),
          models: results.map((r) => `${r.stamp.modelId}@${r.stamp.modelVersion}`),
          detections: results.reduce((n, r) => n + r.detections.length, 0),
          calibration: patch.calibration ?? null,
        },
      },
      ...results
        .filter((r) => r.alert)
        .map(
          (r): AuditInput => ({
            actor: this.who(),
            action: 'alert.raised',
            object: { type: 'alert', id: r.alert!.id },
            after: { scanId: scan.scanId, class: r.alert!.class, score: r.alert!.score, reasons: r.alert!.reasons.map((x) => x.code), model: `${r.stamp.modelId}@${r.stamp.modelVersion}` },
          }),
        ),
    ];
    const full = this.patch('analysed', { ...patch, audit });
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

  /** The analysis failed for good. Never over a finished analysis (a late failure of an old attempt is ignored). */
  async failed(scanId: string, reason: string): Promise<boolean> {
    const scan = await this.deps.store.scans.get(scanId);
    if (!scan || scan.status === 'analysed' || scan.status === 'failed') return false;
    const at = new Date().toISOString();
    const failureReason = publicReason(reason);
    try {
      await this.deps.store.scans.updateStatus(
        scanId,
        this.patch('failed', {
          verdict: null,
          failureReason,
          timings: { finishedAt: at },
          audit: [{ actor: this.who(), action: 'scan.failed', object: { type: 'scan', id: scanId }, after: { reason: failureReason } }],
        }),
      );
    } catch (err) {
      if ((err as { code?: string }).code === 'illegal_transition') return false; // finished meanwhile
      throw err;
    }
    await this.notify({ type: 'scan.status', scanId, laneId: scan.laneId, status: 'failed', verdict: null, failureReason, at });
    return true;
  }
}
