/**
 * Turns reviewed alerts into labelled training data: the agency's own decisions are the only
 * real-scan labels this project will ever have, so every decided scan is written back out as a
 * scan package (xray-scan-package/1: scan.json + the stored TIFFs, checked against their
 * sha-256) with a truth.json (xray-scan-truth/1) that the dataset builder and the evaluation
 * read like the simulator's:
 *
 *   - a scan with `seized` alerts: one object per detection behind them — its box and class,
 *     the species from the seizure;
 *   - a scan whose alerts were all cleared as false alarms (or found nothing at inspection): no
 *     objects (a negative), the clear reasons in `notes`.
 *
 * Scans with an alert still undecided are left out (their label could still change), and so are
 * seized scans whose alerts point at no detection box.
 *
 *   npm run export:training -- --from 2026-01-01T00:00:00Z --to 2026-04-01T00:00:00Z --out /archive/reviewed
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ScanTruth, TruthObject } from '#adapter/scan-package/types.ts';
import { systemActor } from '#services/core/access.ts';
import { loadConfig, storeOptions } from '#services/core/config.ts';
import type { AlertRecord, DetectionRecord, ScanRecord } from '#services/core/domain.ts';
import { isMain } from '#services/core/is-main.ts';
import { FINAL_ALERT_STATUSES, type AlertStatus } from '#services/core/review.ts';
import { ImageStore, sha256File } from '#services/storage/image-store.ts';
import { openStore } from '#services/store/database.ts';
import type { Store } from '#services/store/types.ts';

export const REVIEWED_SCENARIO = 'reviewed';

/** truth.json of a reviewed scan: ScanTruth plus what the review said. */
export interface ReviewedTruth extends ScanTruth {
  /** One line per decided alert: "alert … cleared (look_alike_material): cattle horn". */
  notes: string[];
  review: {
    alerts: Array<{ id: string; status: AlertStatus; decidedAt: string | null; decidedBy: string | null; reason: string | null; seizure: unknown }>;
  };
}

export interface ExportOptions {
  store: Store;
  images: ImageStore;
  /** Decisions taken in [from, to), ISO times. */
  from: string;
  to: string;
  out: string;
}

export interface ExportReport {
  from: string;
  to: string;
  out: string;
  positives: number;
  negatives: number;
  objects: Record<string, number>;
  /** Scans per source kind (linac / tube): which model family they can train. */
  bySource: Record<string, number>;
  skipped: { undecided: number; seizedWithoutBoxes: number; missingImages: number };
  scanIds: string[];
}

const FINAL = new Set<AlertStatus>(FINAL_ALERT_STATUSES);

function alertNote(a: AlertRecord): string {
  const d = a.review?.decision;
  const notes = d?.notes ? `: ${d.notes}` : '';
  if (a.status === 'cleared') return `alert ${a.id} cleared (${d?.reason ?? 'no reason'})${notes}`;
  if (a.status === 'seized') return `alert ${a.id} seized ${d?.seizure ? `${d.seizure.count} × ${d.seizure.species}, ${d.seizure.weightKg} kg` : ''}${notes}`;
  return `alert ${a.id} ${a.status} at inspection${notes}`;
}

/** The truth objects of a scan's seized alerts: the boxes of the detections behind them. */
function seizedObjects(alerts: AlertRecord[], detections: DetectionRecord[]): TruthObject[] {
  const byId = new Map(detections.map((d) => [d.id, d]));
  const out: TruthObject[] = [];
  const taken = new Set<string>();
  for (const a of alerts.filter((x) => x.status === 'seized')) {
    const species = a.review?.decision?.seizure?.species;
    for (const id of a.reasons.flatMap((r) => r.detectionIds)) {
      const d = byId.get(id);
      if (!d || d.shadow || taken.has(id)) continue;
      taken.add(id);
      out.push({
        id: `obj-${out.length}`,
        class: d.class,
        ...(species ? { species } : d.species ? { species: d.species } : {}),
        ...(d.densityGcm3 !== null ? { densityGcm3: d.densityGcm3 } : {}),
        boundingBox: { ...d.box },
        // Not recorded by the review; the detector's box is what the label says.
        concealment: 'open',
        notes: `detection ${d.id} (${d.modelId}@${d.modelVersion}, score ${d.score.toFixed(3)}) behind seized alert ${a.id}`,
      });
    }
  }
  return out;
}

async function writePackage(dir: string, scan: ScanRecord, images: ImageStore, truth: ReviewedTruth): Promise<boolean> {
  const names: Record<string, string | undefined> = { high: scan.metadata.images.high, low: scan.metadata.images.low };
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const ref of scan.images) {
    const name = names[ref.energy];
    if (!name) continue;
    const target = path.join(dir, name);
    try {
      await fs.copyFile(images.pathOf(ref.sha256), target);
    } catch {
      await fs.rm(dir, { recursive: true, force: true });
      return false;
    }
    // The images are evidence: the copy must be the bytes the analysis saw.
    const copied = await sha256File(target);
    if (copied.sha256 !== ref.sha256) throw new Error(`scan ${scan.scanId}: ${ref.energy} image does not match its sha-256 ${ref.sha256}`);
  }
  if (!names.high || !scan.images.some((i) => i.energy === 'high')) {
    await fs.rm(dir, { recursive: true, force: true });
    return false;
  }
  await fs.writeFile(path.join(dir, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  // scan.json last (temp + rename), like the package writer: a reader never sees half a package.
  const tmp = path.join(dir, '.scan.json.tmp');
  await fs.writeFile(tmp, JSON.stringify(scan.metadata, null, 2) + '\n');
  await fs.rename(tmp, path.join(dir, 'scan.json'));
  return true;
}

export async function exportReviewed(opts: ExportOptions): Promise<ExportReport> {
  const from = new Date(opts.from).toISOString();
  const to = new Date(opts.to).toISOString();
  const out = path.resolve(opts.out);
  await fs.mkdir(out, { recursive: true });
  const report: ExportReport = {
    from,
    to,
    out,
    positives: 0,
    negatives: 0,
    objects: {},
    bySource: {},
    skipped: { undecided: 0, seizedWithoutBoxes: 0, missingImages: 0 },
    scanIds: [],
  };

  const decided = await opts.store.reviews.decidedBetween(from, to);
  const scanIds = [...new Set(decided.filter((a) => FINAL.has(a.status)).map((a) => a.scanId))];
  for (const scanId of scanIds) {
    const scan = await opts.store.scans.get(scanId);
    if (!scan) continue;
    const alerts = await opts.store.alerts.listByScan(scanId);
    if (alerts.some((a) => !FINAL.has(a.status))) {
      report.skipped.undecided++;
      continue;
    }
    const objects = seizedObjects(alerts, await opts.store.detections.listByScan(scanId));
    const seized = alerts.some((a) => a.status === 'seized');
    if (seized && objects.length === 0) {
      report.skipped.seizedWithoutBoxes++;
      continue;
    }
    const truth: ReviewedTruth = {
      format: 'xray-scan-truth/1',
      scanId,
      scenario: REVIEWED_SCENARIO,
      seed: 0,
      dose: 0,
      objects,
      manifestTruth: { honest: !seized, notes: seized ? ['contraband seized at physical inspection'] : [] },
      notes: alerts.map(alertNote),
      review: {
        alerts: alerts.map((a) => ({
          id: a.id,
          status: a.status,
          decidedAt: a.review?.decidedAt ?? null,
          decidedBy: a.review?.decidedBy?.name ?? null,
          reason: a.review?.decision?.reason ?? null,
          seizure: a.review?.decision?.seizure ?? null,
        })),
      },
    };
    if (!(await writePackage(path.join(out, scanId), scan, opts.images, truth))) {
      report.skipped.missingImages++;
      continue;
    }
    if (seized) report.positives++;
    else report.negatives++;
    for (const o of objects) report.objects[o.class] = (report.objects[o.class] ?? 0) + 1;
    report.bySource[scan.metadata.source.kind] = (report.bySource[scan.metadata.source.kind] ?? 0) + 1;
    report.scanIds.push(scanId);
  }

  await opts.store.audit.append({
    actor: systemActor('cli'),
    action: 'export.created',
    object: { type: 'training_export', id: out },
    after: { kind: 'reviewed-training-data', from, to, positives: report.positives, negatives: report.negatives, scans: report.scanIds },
  });
  return report;
}

/** The commands that train and evaluate with an export, per source kind it holds. */
export function trainingCommands(report: ExportReport): string[] {
  const model: Record<string, string> = { linac: 'wildlife-timber-fcn', tube: 'wildlife-timber-fcn-tube' };
  return Object.keys(report.bySource).flatMap((kind) => [
    `npm run dataset -- --config models/training/configs/${model[kind]}.json --split train --packages ${report.out}`,
    `npm run train -- --model ${model[kind]} --version <new version> --packages ${report.out}`,
  ]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } } });
  if (!values.from || !values.to || !values.out) {
    console.error('usage: npm run export:training -- --from ISO --to ISO --out DIR');
    process.exit(2);
  }
  for (const [name, v] of [['from', values.from], ['to', values.to]] as const) {
    if (Number.isNaN(Date.parse(v))) {
      console.error(`--${name} must be an ISO-8601 time, got "${v}"`);
      process.exit(2);
    }
  }
  const config = loadConfig();
  const store = await openStore(storeOptions(config));
  try {
    const r = await exportReviewed({ store, images: new ImageStore(config.imageStoreDir), from: values.from, to: values.to, out: values.out });
    const objects = Object.entries(r.objects).map(([c, k]) => `${k} ${c}`).join(', ') || 'none';
    console.log(`decisions ${r.from} → ${r.to}: ${r.positives + r.negatives} scans exported to ${r.out}`);
    console.log(`  positives (seized): ${r.positives}  objects: ${objects}`);
    console.log(`  negatives (cleared / nothing found): ${r.negatives}`);
    console.log(`  by source: ${Object.entries(r.bySource).map(([k, n]) => `${k} ${n}`).join(', ') || '—'}`);
    console.log(`  skipped: ${r.skipped.undecided} with an alert still open, ${r.skipped.seizedWithoutBoxes} seized without a detection box, ${r.skipped.missingImages} with images missing`);
    if (r.positives + r.negatives > 0) {
      console.log('train with them (boxes are detector boxes of confirmed seizures; see docs/review.md):');
      for (const c of trainingCommands(r)) console.log(`  ${c}`);
    }
  } finally {
    await store.close();
  }
}

if (isMain(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
