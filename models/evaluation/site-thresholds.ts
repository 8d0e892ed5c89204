/**
 * Site thresholds: a model's wildlife thresholds re-fitted on an agency's own benign scans.
 *
 * Why: the thresholds in a card are chosen on the simulator's training families at ≤ 1 % wildlife
 * false alarms per clean scan, and on scanners the model never saw the same thresholds give more
 * (leave-scanners-out of linac 2.2.0: 2–5 % per clean scan). An agency has thousands of scans of
 * its own scanners that held no contraband; the score each class reaches on them says where the
 * threshold must sit for that site. This is the per-system correction of classification curves
 * that cargo vendors practise (Chen, Zhao, Li; ../shared/reference/calibration.md).
 *
 *   npm run thresholds -- --model wildlife-timber-fcn@2.2.0 --benign /agency/benign \
 *       --version 2.2.0-site.port-a [--per-class-fa 0.005] [--min-scans 200] [--models DIR] [--dry-run]
 *
 * The benign folder holds scan packages (truth.json optional: a package whose truth lists ivory
 * or rhino horn is refused) and the calibration packages of its scanners. Every scan goes through
 * the worker's analysis code with its scanner's profile. Per wildlife class the threshold is
 * raised — never lowered: benign scans say nothing about what a lower threshold would miss — to
 * just above the score that more than `per-class-fa` of the benign scans reach. The result is a
 * new model version in the models folder: the same model.onnx (same sha-256) and its card with
 * the raised thresholds and `siteThresholds` recording what was done. Activate it in
 * models/registry.json (or run it in shadow first). Timber thresholds are left alone: timber is
 * ordinary cargo, not an alarm in itself.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WILDLIFE_CLASSES, type DetectionClass } from '#services/core/domain.ts';
import { loadModelDir, parseModelRef } from '#services/model-registry/registry.ts';
import type { ModelCard } from '#services/model-registry/card.ts';
import { packageScans } from './labelled-scans.ts';
import { analyseLabelled, type AnalysedScan } from './run-analysis.ts';

export interface SiteThresholdOptions {
  modelsDir: string;
  modelId: string;
  fromVersion: string;
  newVersion: string;
  benignDir: string;
  perClassFalseAlarmRate: number;
  minScans: number;
  dryRun?: boolean;
}

export interface SiteThresholdResult {
  card: ModelCard;
  dir: string | null;
  scans: number;
}

/** The threshold above which at most floor(rate · n) of the benign maxima lie, never below `current`. */
export function raisedThreshold(benignMax: number[], rate: number, current: number): number {
  const sorted = [...benignMax].sort((a, b) => b - a);
  const allowed = Math.floor(rate * sorted.length);
  const above = sorted[allowed];
  // Scores carry six decimals: one step above the (allowed+1)-th highest keeps it below.
  const fitted = above === undefined ? 0 : Math.round((above + 1e-6) * 1e6) / 1e6;
  return Math.max(current, fitted);
}

export async function fitSiteThresholds(o: SiteThresholdOptions): Promise<SiteThresholdResult> {
  if (!/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(o.newVersion)) throw new Error(`version "${o.newVersion}" must be 1-64 characters of [0-9A-Za-z.+-]`);
  if (!(o.perClassFalseAlarmRate > 0 && o.perClassFalseAlarmRate < 0.5)) throw new Error('--per-class-fa must be in (0, 0.5)');
  const fromDir = path.join(o.modelsDir, o.modelId, o.fromVersion);
  const toDir = path.join(o.modelsDir, o.modelId, o.newVersion);
  if (!o.dryRun && (await fs.stat(toDir).catch(() => null))) throw new Error(`${toDir} exists already: choose another --version`);
  const model = await loadModelDir(fromDir);
  // Checked before the (long) analysis: enough scan packages, none labelled with contraband.
  const packages: string[] = [];
  const contraband: string[] = [];
  for (const name of (await fs.readdir(o.benignDir)).sort()) {
    if (!(await fs.stat(path.join(o.benignDir, name, 'scan.json')).catch(() => null))) continue;
    packages.push(name);
    const truth = await fs.readFile(path.join(o.benignDir, name, 'truth.json'), 'utf8').then((t) => JSON.parse(t) as { objects?: Array<{ class: string }> }, () => null);
    if (truth?.objects?.some((x) => (WILDLIFE_CLASSES as readonly string[]).includes(x.class))) contraband.push(name);
  }
  if (contraband.length) throw new Error(`${contraband.length} package(s) in ${o.benignDir} list ivory or rhino horn in truth.json (e.g. ${contraband[0]}): benign scans only`);
  if (packages.length < o.minScans) {
    throw new Error(`${packages.length} benign scan(s) in ${o.benignDir}; at least ${o.minScans} are needed to place a ${(o.perClassFalseAlarmRate * 100).toFixed(2)} % false-alarm threshold (--min-scans)`);
  }
  const analysed: AnalysedScan[] = await analyseLabelled(packageScans(o.benignDir, undefined, { unlabelled: true }), model, { progressLabel: 'benign', expected: packages.length });
  const card = structuredClone(model.card);
  const classes: NonNullable<ModelCard['siteThresholds']>['classes'] = {};
  for (const cls of card.classes.filter((c): c is DetectionClass => (WILDLIFE_CLASSES as readonly string[]).includes(c))) {
    const maxima = analysed.map((s) => s.maxScore[cls]);
    const from = card.thresholds[cls].score;
    const to = raisedThreshold(maxima, o.perClassFalseAlarmRate, from);
    classes[cls] = { from, to, benignAlarmsBefore: maxima.filter((m) => m >= from).length, benignAlarmsAfter: maxima.filter((m) => m >= to).length };
    card.thresholds[cls] = { ...card.thresholds[cls], score: to, calibratedFalseAlarmRate: classes[cls].benignAlarmsAfter / analysed.length };
    delete card.thresholds[cls].calibratedDetectionRate; // not measured on this site: benign scans only
  }
  const serials = [...new Set(analysed.map((s) => s.metadata.scanner?.serial ?? '(no serial)'))].sort();
  const nominal = analysed.filter((s) => s.calibration === 'nominal').length;
  card.version = o.newVersion;
  card.createdAt = new Date().toISOString();
  card.siteThresholds = { fromVersion: o.fromVersion, fittedAt: card.createdAt, benignScans: analysed.length, scanners: serials, perClassFalseAlarmRate: o.perClassFalseAlarmRate, classes };
  card.limits = [
    ...card.limits,
    `Wildlife thresholds raised on ${analysed.length} benign scans of this site's scanners (${serials.join(', ')}${nominal ? `; ${nominal} analysed without a calibration profile` : ''}) to at most ${(o.perClassFalseAlarmRate * 100).toFixed(2)} % benign scans per class above them. Detection at the raised thresholds was not measured on this site: measure it (npm run eval on labelled or TIP packages) before relying on it.`,
  ];
  delete card.evaluation; // the figures were measured at the old thresholds
  if (!o.dryRun) {
    await fs.mkdir(toDir, { recursive: true });
    await fs.copyFile(model.path, path.join(toDir, card.file || 'model.onnx'));
    await fs.writeFile(path.join(toDir, 'card.json'), JSON.stringify(card, null, 2) + '\n');
    await loadModelDir(toDir); // the registry's own check: file and card agree
  }
  return { card, dir: o.dryRun ? null : toDir, scans: analysed.length };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string' },
      benign: { type: 'string' },
      version: { type: 'string' },
      'per-class-fa': { type: 'string', default: '0.005' },
      'min-scans': { type: 'string' },
      models: { type: 'string', default: 'models' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  const ref = parseModelRef(values.model ?? '');
  if (!ref || !values.benign || (!values.version && !values['dry-run'])) {
    process.stderr.write('usage: npm run thresholds -- --model ID@VERSION --benign DIR --version NEW [--per-class-fa 0.005] [--min-scans N] [--models DIR] [--dry-run]\n');
    process.exit(2);
  }
  const rate = Number(values['per-class-fa']);
  const r = await fitSiteThresholds({
    modelsDir: values.models!,
    modelId: ref.id,
    fromVersion: ref.version,
    newVersion: values.version ?? `${ref.version}-site`,
    benignDir: values.benign,
    perClassFalseAlarmRate: rate,
    // At least enough scans that the allowed share is one whole scan.
    minScans: values['min-scans'] ? Number(values['min-scans']) : Math.ceil(1 / rate),
    dryRun: values['dry-run'],
  });
  const s = r.card.siteThresholds!;
  console.log(`${r.scans} benign scans from ${s.scanners.length} scanner(s): ${s.scanners.join(', ')}`);
  console.log('class        threshold (card → site)   benign scans above (card → site)');
  for (const [cls, c] of Object.entries(s.classes)) {
    console.log(`${cls.padEnd(12)} ${c.from.toFixed(6)} → ${c.to.toFixed(6)}      ${c.benignAlarmsBefore} → ${c.benignAlarmsAfter} of ${r.scans}`);
  }
  console.log(r.dir ? `wrote ${r.dir} (activate it in models/registry.json, or run it in shadow first)` : 'dry run: nothing written');
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
