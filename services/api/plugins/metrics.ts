/**
 * Prometheus metrics on a registry owned by this app instance (not prom-client's global
 * one, so several apps in one process, e.g. tests or the launcher, do not collide).
 * Gauges are read from the store/queue at scrape time; latency histograms are fed from
 * `scan.status` events, because the API never runs the analysis itself.
 */
import type { FastifyBaseLogger } from 'fastify';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DETECTION_CLASSES, SCAN_STATUSES, VERDICT_REASON_CODES, VERDICTS } from '../../core/domain.ts';
import type { ApiDeps } from '../deps.ts';

export interface ApiMetrics {
  registry: Registry;
  /** Stops listening to events. */
  dispose(): void;
}

export function createMetrics(deps: ApiDeps, log: FastifyBaseLogger, processMetrics: boolean): ApiMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'cxr_api_' });

  // A failing source leaves its gauge empty for this scrape instead of failing the whole
  // scrape: the other metrics (and process metrics) are most useful exactly then.
  const safely = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      log.warn({ err }, `metrics: cannot collect ${what}`);
    }
  };

  new Gauge({
    name: 'cxr_scans',
    help: 'Scans in the database by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely('scans by status', async () => {
        const counts = await deps.store.scans.countByStatus();
        for (const s of SCAN_STATUSES) this.set({ status: s }, counts[s] ?? 0);
      });
    },
  });

  new Gauge({
    name: 'cxr_scan_verdicts',
    help: 'Analysed scans in the database by verdict (needs_review: no active model is validated for the scan)',
    labelNames: ['verdict'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely('scans by verdict', async () => {
        const counts = await deps.store.scans.countByVerdict();
        for (const v of VERDICTS) this.set({ verdict: v }, counts[v] ?? 0);
      });
    },
  });

  new Gauge({
    name: 'cxr_scan_verdict_reasons',
    help: 'Scans whose verdict carries a reason, by reason code (outside_validated_domain: outside every active model\'s validated domain)',
    labelNames: ['code'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely('scans by verdict reason', async () => {
        const counts = await deps.store.scans.countByVerdictReason();
        for (const c of VERDICT_REASON_CODES) this.set({ code: c }, counts[c] ?? 0);
      });
    },
  });

  new Gauge({
    name: 'cxr_alerts',
    help: 'Alerts in the database by class',
    labelNames: ['class'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely('alerts by class', async () => {
        const counts = await deps.store.alerts.countByClass();
        for (const c of DETECTION_CLASSES) this.set({ class: c }, counts[c] ?? 0);
      });
    },
  });

  new Gauge({
    name: 'cxr_rejections',
    help: 'Packages quarantined by the adapter, by reason code (GET /v1/rejections lists them)',
    labelNames: ['code'],
    registers: [registry],
    async collect() {
      this.reset();
      await safely('rejections by code', async () => {
        for (const [code, n] of Object.entries(await deps.store.rejections.countByCode())) this.set({ code }, n);
      });
    },
  });

  new Gauge({
    name: 'cxr_queue_jobs',
    help: 'Analysis queue jobs by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      if (!deps.queueHealth) return;
      await safely('queue depth', async () => {
        const health = await deps.queueHealth!();
        for (const [state, n] of Object.entries(health.counts ?? {})) this.set({ state }, n);
      });
    },
  });

  const latency = new Histogram({
    name: 'cxr_analysis_latency_seconds',
    help: 'Time from scan received to analysis finished (timings.totalMs)',
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'cxr_inference_seconds',
    help: 'Model inference time per scan (timings.inferenceMs)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });

  const off = deps.events?.on((e) => {
    if (e.type !== 'scan.status' || e.status !== 'analysed' || !e.timings) return;
    if (typeof e.timings.totalMs === 'number') latency.observe(e.timings.totalMs / 1000);
    if (typeof e.timings.inferenceMs === 'number') inference.observe(e.timings.inferenceMs / 1000);
  });

  return { registry, dispose: () => off?.() };
}
