/**
 * Leave-scanners-out evaluation: the test that one simulated scanner could never give. Whole
 * scanner families (an energy pair or a detector the models never saw, docs/simulator.md) are kept
 * out of training and threshold calibration; their scans are analysed twice — with the scanner's
 * own calibration profile (fitted from its simulated calibration package) and with the nominal
 * response of the declared source (a scanner nobody calibrated) — and reported per family against
 * the issue's targets, beside new scanners of the training families as the in-distribution
 * reference.
 *
 *   npm run eval -- --leave-scanners-out linac [--per-family 150] [--out DIR] [--write-card]
 *                  [--families linac-9/6-cu,training] [--profile-only]
 * --families runs only those row groups ("training" = the training families' new units), with the
 * same seeds as in the full table, so that several models can be compared on the same scans for
 * less time; --profile-only skips the second pass with the nominal response.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LoadedModel } from '#services/model-registry/card.ts';
import { evaluate, objectOutcomes, type EvaluationReport, type ObjectOutcome } from './evaluate.ts';
import { wilson } from './metrics.ts';
import { simulatedScans, type LabelledScan, type SimulatedSplit } from './labelled-scans.ts';
import { nominalResponse } from '#services/core/physics/response.ts';
import { analyseLabelled, type AnalysedScan } from './run-analysis.ts';
import { barsPng } from './plots.ts';
import { VARIED_CARGO_REVISION } from '#adapter/simulator/index.ts';

export interface ScannerRow {
  family: string;
  heldOut: boolean;
  calibration: 'profile' | 'nominal';
  report: EvaluationReport;
}

/** Each scan twice: with the profile it was given, then with the nominal response. */
async function* withAndWithoutProfile(src: AsyncIterable<LabelledScan>): AsyncGenerator<LabelledScan> {
  for await (const s of src) {
    yield s;
    if (s.calibration === 'profile') yield { ...s, response: nominalResponse(s.metadata.source), calibration: 'nominal' };
  }
}

const pctf = (r: { rate: number | null; ci95?: [number, number] | null; hits: number; total: number }): string =>
  r.rate === null ? 'n/a' : `${(r.rate * 100).toFixed(1)} % [${((r.ci95?.[0] ?? 0) * 100).toFixed(0)}–${((r.ci95?.[1] ?? 0) * 100).toFixed(0)}] (${r.hits}/${r.total})`;

export function formatScannerTable(rows: ScannerRow[]): string {
  const L: string[] = [];
  L.push('| scanner family | held out | calibration | ivory detected, box on object | rhino horn detected | wildlife false alarms / clean scan | verdict false alarms (clean, honest) | misdeclared CITES timber flagged | honest timber falsely flagged |');
  L.push('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const c = r.report.classes;
    L.push(
      `| ${r.family} | ${r.heldOut ? 'yes' : 'no (new units)'} | ${r.calibration} | ${c.ivory ? pctf(c.ivory.detectionRate) : 'n/a'} | ${c.rhino_horn ? pctf(c.rhino_horn.detectionRate) : 'n/a'} | ${pctf(r.report.wildlifeFalseAlarmRate)} | ${pctf(r.report.verdictFalseAlarmRate)} | ${pctf(r.report.timber.misdeclaredCitesFlagged)} | ${pctf(r.report.timber.honestFalseFlags)} |`,
    );
  }
  return L.join('\n');
}

/**
 * Wildlife objects of the held-out families pooled, by class, concealment and form (the issue's
 * targets name open, cut pieces, in logs and behind machinery separately).
 */
export function formatObjectBreakdown(objects: ObjectOutcome[]): string {
  const groups = new Map<string, { hits: number; total: number }>();
  for (const o of objects) {
    const key = `${o.class === 'ivory' ? 'ivory' : 'rhino horn'} | ${o.concealment.replace(/_/g, ' ')} | ${o.form ?? '—'}`;
    const g = groups.get(key) ?? { hits: 0, total: 0 };
    g.total++;
    if (o.hit) g.hits++;
    groups.set(key, g);
  }
  const L = ['| class | concealment | form | objects with a box on them |', '|---|---|---|---|'];
  for (const [key, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    L.push(`| ${key} | ${pctf({ rate: g.total ? g.hits / g.total : null, ci95: wilson(g.hits, g.total), hits: g.hits, total: g.total })} |`);
  }
  return L.join('\n');
}

/** The standard draw of scans: the seed every card's table is measured on (another is for checking a rule on scans it was not chosen on). */
export const LSO_SEED = 950_000;

/**
 * What turns the scans into the table besides the model, its thresholds and rules, and the cargo:
 * the harness itself. 2 (session 11): the scan's calibration mode reaches the decision rules (until
 * then "profile" rows were decided with the nominal ±12 % density uncertainty). A saved run of
 * another revision is not recorded in a card.
 */
export const HARNESS_REVISION = 2;

export async function runLeaveScannersOut(opts: {
  model: LoadedModel;
  source: 'linac' | 'tube';
  perFamily: number;
  out: string;
  heldOutFamilies: string[];
  trainingFamilies: string[];
  seed?: number;
  /** Row groups to run (held-out family ids, or "training"); the others are skipped, seeds unchanged. */
  only?: string[];
  /** Analyse each scan with its calibration profile only (no nominal-response pass). */
  profileOnly?: boolean;
  /** The command line, saved with the run (eval --record-from puts it in the card). */
  command?: string;
}): Promise<ScannerRow[]> {
  const seed = opts.seed ?? LSO_SEED;
  const groups: Array<{ family: string; heldOut: boolean; families: string[] }> = [
    ...opts.heldOutFamilies.map((f) => ({ family: f, heldOut: true, families: [f] })),
    { family: `training families (${opts.trainingFamilies.length})`, heldOut: false, families: opts.trainingFamilies },
  ];
  const rows: ScannerRow[] = [];
  const all: AnalysedScan[] = [];
  const heldOutScans = new Set<string>();
  for (const [k, g] of groups.entries()) {
    // k (the group's position in the full table) fixes the seeds: skipping a group changes no other's scans.
    if (opts.only && !opts.only.includes(g.heldOut ? g.family : 'training')) continue;
    const spec: SimulatedSplit = {
      seed: seed + k * 1000,
      count: opts.perFamily,
      scenario: 'mixed',
      source: opts.source,
      scanners: { families: g.families, count: Math.max(3, Math.min(8, g.families.length)), seed: seed + 500 + k, nominalFraction: 0 },
    };
    const analysed = await analyseLabelled(opts.profileOnly ? simulatedScans(spec) : withAndWithoutProfile(simulatedScans(spec)), opts.model, {
      progressLabel: `${g.family} (${opts.profileOnly ? 'profile' : 'profile + nominal'})`,
      expected: opts.perFamily * (opts.profileOnly ? 1 : 2),
    });
    all.push(...analysed);
    if (g.heldOut) for (const a of analysed) heldOutScans.add(a.scanId);
    for (const cal of ['profile', 'nominal'] as const) {
      const part = analysed.filter((a) => a.calibration === cal);
      if (part.length) rows.push({ family: g.family, heldOut: g.heldOut, calibration: cal, report: evaluate(part, opts.model.card) });
    }
    process.stderr.write(`${formatScannerTable(rows.filter((r) => r.family === g.family))}\n`);
  }
  await fs.mkdir(opts.out, { recursive: true });
  const table = formatScannerTable(rows);
  const json = rows.map((r) => ({ family: r.family, heldOut: r.heldOut, calibration: r.calibration, report: { ...r.report, classes: Object.fromEntries(Object.entries(r.report.classes).map(([c, x]) => [c, { ...x, roc: undefined }])) } }));
  // Per-scan outcomes (same scans, same seeds for every model): for paired comparisons of two models.
  const perScan = all.map((a) => {
    const one = evaluate([a], opts.model.card);
    const hit = (c: 'ivory' | 'rhino_horn') => (one.classes[c]!.scans.positive ? one.classes[c]!.detectionRate.hits > 0 : null);
    return {
      scanId: a.scanId,
      scanner: a.metadata.scanner?.serial,
      calibration: a.calibration,
      ivory: hit('ivory'),
      rhino_horn: hit('rhino_horn'),
      wildlifeFalseAlarm: one.wildlifeFalseAlarmRate.total ? one.wildlifeFalseAlarmRate.hits > 0 : null,
      verdictFalseAlarm: one.verdictFalseAlarmRate.total ? one.verdictFalseAlarmRate.hits > 0 : null,
      misdeclaredCitesFlagged: one.timber.misdeclaredCitesFlagged.total ? one.timber.misdeclaredCitesFlagged.hits > 0 : null,
      honestTimberFlagged: one.timber.honestFalseFlags.total ? one.timber.honestFalseFlags.hits > 0 : null,
      maxScore: a.maxScore,
      // why the scan was held (reason codes of its alert), so a changed verdict can be explained
      alertReasons: a.alert ? [...new Set(a.alert.reasons.map((r) => r.code))] : [],
      objects: objectOutcomes(a),
    };
  });
  const breakdown = formatObjectBreakdown(perScan.filter((p) => heldOutScans.has(p.scanId) && p.calibration === 'profile').flatMap((p) => p.objects));
  process.stderr.write(`wildlife objects on the held-out families, by concealment and form:\n${breakdown}\n`);
  await fs.writeFile(path.join(opts.out, 'leave-scanners-out.scans.json'), JSON.stringify({ model: `${opts.model.card.id}@${opts.model.card.version}`, thresholds: opts.model.card.thresholds, scans: perScan }) + '\n');
  await fs.writeFile(path.join(opts.out, 'leave-scanners-out.json'), JSON.stringify(
      {
        model: `${opts.model.card.id}@${opts.model.card.version}`,
        sha256: opts.model.card.sha256,
        // what turned detections into alerts: --record-from refuses the run once the card's differ
        thresholds: opts.model.card.thresholds,
        rules: opts.model.card.rules ?? null,
        cargoRevision: VARIED_CARGO_REVISION,
        harnessRevision: HARNESS_REVISION,
        evaluatedAt: new Date().toISOString(),
        ...(opts.command ? { command: opts.command } : {}),
        profileOnly: !!opts.profileOnly,
        perFamily: opts.perFamily,
        seed,
        rows: json,
      },
      null,
      2,
    ) + '\n');
  await fs.writeFile(
    path.join(opts.out, 'leave-scanners-out.md'),
    `# Leave-scanners-out: ${opts.model.card.id}@${opts.model.card.version}\n\n${opts.perFamily} simulated scans per row group (scenario mixed), each analysed with the scanner's calibration profile${opts.profileOnly ? ' only' : ' and with the nominal response'}. 95 % Wilson intervals.\n\n${table}\n\n## Wildlife objects on the held-out families, by concealment and form (calibration profile)\n\n${breakdown}\n`,
  );
  const bars = rows.map((r) => ({
    label: `${r.family.replace(/ \(.*\)/, '')} · ${r.calibration}`,
    values: [r.report.classes.ivory?.detectionRate.rate ?? 0, r.report.classes.rhino_horn?.detectionRate.rate ?? 0, r.report.verdictFalseAlarmRate.rate ?? 0],
  }));
  await barsPng(path.join(opts.out, 'leave-scanners-out.png'), bars, ['ivory detection', 'rhino horn detection', 'verdict false alarms'], `${opts.model.card.id}@${opts.model.card.version}: held-out scanner families`);
  console.log(table);
  console.log(`\nwrote ${path.join(opts.out, 'leave-scanners-out.{md,json,png}')}`);
  return rows;
}
