/**
 * Evaluation harness: runs the worker's analysis path over labelled scans and reports.
 *
 *   npm run eval -- --scans DIR [--json FILE] [--out DIR] [--model ID@VERSION]
 *   npm run eval -- --simulate SEED:COUNT[:SCENARIO[:SOURCE]] [--doses D1,D2,…] [--scanners FAMILY,… [--nominal]] [--json FILE] [--out DIR] [--write-card]
 *   npm run eval -- --leave-scanners-out linac|tube [--per-family N] [--model ID@VERSION] [--out DIR] [--write-card] [--families F,…|training] [--profile-only]
 *                   [--seed S]   (another draw of scans, for checking a rule on scans it was not chosen on; not with --write-card)
 *   npm run eval -- --record-from DIR   (a saved leave-scanners-out run into its model's card, not run again)
 *
 * DIR holds scan packages with truth.json (simulated or an agency's labelled archive).
 * --simulate generates a held-out set on the fly from seeds (never used in training: see the
 * card's training seeds). Prints a table, writes the JSON report, ROC and example PNGs.
 * --write-card records the table (without ROC points) in the card's evaluation.heldOut, with the
 * data it came from; the card is not covered by the model file's sha-256, so this is allowed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { loadConfig } from '#services/core/config.ts';
import { isMain } from '#services/core/is-main.ts';
import type { LoadedModel } from '#services/model-registry/card.ts';
import { pickModel } from './pick-model.ts';
import { evaluate, formatReport, type EvaluationReport } from './evaluate.ts';
import { packageScans, simulatedScans, type LabelledScan, type SimulatedSplit } from './labelled-scans.ts';
import { examplePng, rocPng, type ExampleBox } from './plots.ts';
import { analyseLabelled, type AnalysedScan } from './run-analysis.ts';
import { HARNESS_REVISION, LSO_SEED, runLeaveScannersOut, formatScannerTable, type ScannerRow } from './leave-scanners-out.ts';

/** Re-iterates the labelled source to draw a few examples (only the scans picked). */
async function drawExamples(out: string, scans: AnalysedScan[], source: () => AsyncIterable<LabelledScan>): Promise<string[]> {
  const wanted = new Map<string, string>();
  const pickOne = (label: string, f: (s: AnalysedScan) => boolean) => {
    const s = scans.find((x) => f(x) && !wanted.has(x.scanId));
    if (s) wanted.set(s.scanId, label);
  };
  const has = (s: AnalysedScan, c: string) => s.truth.objects.some((o) => o.class === c);
  pickOne('ivory-detected', (s) => has(s, 'ivory') && s.verdict === 'alert');
  pickOne('ivory-in-log', (s) => s.truth.objects.some((o) => o.class === 'ivory' && o.concealment === 'in_log'));
  pickOne('rhino-horn', (s) => has(s, 'rhino_horn'));
  pickOne('cites-timber', (s) => has(s, 'timber') && !s.truth.manifestTruth.honest);
  pickOne('missed-wildlife', (s) => (has(s, 'ivory') || has(s, 'rhino_horn')) && s.verdict === 'clear');
  pickOne('false-alarm', (s) => !has(s, 'ivory') && !has(s, 'rhino_horn') && !!s.alert?.reasons.some((r) => r.code === 'wildlife_product'));
  const files: string[] = [];
  // Stop at the last picked scan: the source is re-read (re-simulated) in order.
  const last = Math.max(-1, ...[...wanted.keys()].map((id) => scans.findIndex((x) => x.scanId === id)));
  let position = -1;
  for await (const l of source()) {
    if (++position > last) break;
    const label = wanted.get(l.metadata.scanId);
    if (!label) continue;
    const s = scans.find((x) => x.scanId === l.metadata.scanId)!;
    const boxes: ExampleBox[] = [
      ...s.truth.objects
        .filter((o) => ['ivory', 'rhino_horn', 'timber', 'dense_hardwood', 'cattle_horn', 'bone', 'resin_replica', 'plastic_replica', 'pvc_pipe'].includes(o.class))
        .map((o) => ({ ...o.boundingBox, label: `truth ${o.class}`, colour: '#00a000', dashed: true })),
      ...s.detections.filter((d) => d.aboveThreshold).map((d) => ({ ...d.box, label: `${d.class} ${d.score.toFixed(2)}${d.species ? ' ' + d.species : ''}`, colour: d.class === 'timber' ? '#d08000' : '#e00000' })),
    ];
    const file = path.join(out, `example-${label}.png`);
    await examplePng(file, l.images.high, l.metadata.airValue, boxes, `${label}: ${s.scanId} → ${s.verdict}${s.alert ? ' (' + s.alert.reasons.map((r) => r.code).join(', ') + ')' : ''}`);
    files.push(file);
    wanted.delete(l.metadata.scanId);
    if (wanted.size === 0) break;
  }
  return files;
}

export async function runEvaluation(opts: {
  scans?: string;
  simulate?: string;
  doses?: string;
  scanners?: string;
  nominal?: boolean;
  model?: string;
  json?: string;
  out?: string;
  examples?: boolean;
  writeCard?: boolean;
}): Promise<EvaluationReport> {
  const config = loadConfig();
  let source: () => AsyncIterable<LabelledScan>;
  let expected: number | undefined;
  let described: string;
  let model: LoadedModel;
  if (opts.simulate) {
    const [seed, count, scenario, src] = opts.simulate.split(':');
    const doses = opts.doses ? opts.doses.split(',').map(Number) : undefined;
    if (doses?.some((d) => !(Number.isFinite(d) && d > 0))) throw new Error('--doses must be positive photon counts, e.g. 10000,20000,40000');
    // --scanners FAMILY[,FAMILY…]: randomised virtual scanners of those families, each with its calibration profile.
    const families = opts.scanners ? opts.scanners.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
    const spec: SimulatedSplit = {
      seed: Number(seed),
      count: Number(count),
      scenario: scenario || 'mixed',
      source: (src || 'linac') as 'linac' | 'tube',
      ...(doses ? { doses } : {}),
      ...(families ? { scanners: { families, count: Math.max(2, families.length * 2), seed: Number(seed) + 7, nominalFraction: opts.nominal ? 1 : 0 } } : {}),
    };
    if (!Number.isInteger(spec.seed) || !Number.isInteger(spec.count)) throw new Error('--simulate must be SEED:COUNT[:SCENARIO[:SOURCE]]');
    if (spec.source !== 'linac' && spec.source !== 'tube') throw new Error('--simulate SOURCE must be linac or tube');
    model = await pickModel(opts.model, config.modelsDir, spec.source);
    // Refuse to call figures held-out when the seed is one the model was trained or calibrated on.
    const ev = model.card.evaluation as { training?: { trainSplit?: { seed?: number } }; calibration?: { split?: { seed?: number } } } | undefined;
    const used = [ev?.training?.trainSplit?.seed, ev?.calibration?.split?.seed].filter((x): x is number => typeof x === 'number');
    if (used.includes(spec.seed)) console.error(`warning: seed ${spec.seed} was used to train or calibrate this model; these figures are NOT held-out`);
    source = () => simulatedScans(spec);
    expected = spec.count;
    described = `simulated seed ${spec.seed}, ${spec.count} scans, scenario ${spec.scenario}, source ${spec.source}${doses ? `, doses ${doses.join('/')}` : ''}${families ? `, scanners of ${families.join('/')} (${opts.nominal ? 'nominal response' : 'calibration profiles'})` : ''}`;
  } else if (opts.scans) {
    source = () => packageScans(opts.scans!);
    described = `scan packages in ${opts.scans}`;
    let kind: 'linac' | 'tube' = 'linac';
    for await (const first of source()) {
      kind = first.metadata.source.kind;
      break;
    }
    model = await pickModel(opts.model, config.modelsDir, kind);
  } else {
    throw new Error('give --scans DIR or --simulate SEED:COUNT[:SCENARIO]');
  }
  const t0 = Date.now();
  const analysed = await analyseLabelled(source(), model, { progressLabel: 'eval', expected });
  const report = evaluate(analysed, model.card);
  const text = formatReport(report);
  console.log(`data: ${described}; analysed in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  console.log(text);
  const out = path.resolve(opts.out ?? path.join('out', 'eval', `${model.card.id}-${model.card.version}`));
  await fs.mkdir(out, { recursive: true });
  const curves = Object.entries(report.classes).map(([c, x]) => ({ label: c, points: x.roc, auc: x.rocAuc }));
  const operating = Object.entries(report.classes).map(([c, x]) => ({ fpr: x.falseAlarmRate.rate ?? 0, tpr: x.detectionRate.rate ?? 0, label: `${c} @ ${x.threshold.toFixed(2)}` }));
  await rocPng(path.join(out, 'roc.png'), curves, `${model.card.id}@${model.card.version} — ${report.scans} scans`, operating);
  const jsonFile = opts.json ?? path.join(out, 'report.json');
  const write = async (examples: string[]) => {
    const full = { data: described, generatedAt: new Date().toISOString(), ...report, plots: ['roc.png', ...examples.map((f) => path.basename(f))] };
    await fs.writeFile(path.join(out, 'report.txt'), `data: ${described}\n\n${text}\n`);
    await fs.writeFile(jsonFile, JSON.stringify(full, null, 2) + '\n');
  };
  // The report is written before the (slower) example pass, so it is never lost to it.
  await write([]);
  if (opts.writeCard) await recordInCard(model, described, report);
  const examples = opts.examples === false ? [] : await drawExamples(out, analysed, source);
  if (examples.length) await write(examples);
  console.log(`\nwrote ${jsonFile}, ${out}/roc.png${examples.length ? ', ' + examples.map((f) => path.basename(f)).join(', ') : ''}`);
  return report;
}

/** Puts the held-out table in the model's card (evaluation.heldOut), keeping the rest of the card. */
async function recordInCard(model: LoadedModel, data: string, report: EvaluationReport): Promise<void> {
  const file = path.join(model.dir, 'card.json');
  const card = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown> & { evaluation?: Record<string, unknown> };
  const classes = Object.fromEntries(Object.entries(report.classes).map(([c, x]) => [c, { ...x, roc: undefined }]));
  card.evaluation = {
    ...(card.evaluation ?? {}),
    heldOut: { data, evaluatedAt: new Date().toISOString(), ...report, classes, command: `npm run eval -- ${process.argv.slice(2).join(' ')}` },
  };
  await fs.writeFile(file, JSON.stringify(card, null, 2) + '\n');
  console.log(`recorded the held-out table in ${file}`);
}

/** The leave-scanners-out table (see leave-scanners-out.ts), optionally recorded in the card. */
async function leaveScannersOut(source: string, opts: { perFamily?: string; model?: string; out?: string; writeCard?: boolean; families?: string; profileOnly?: boolean; seed?: string }): Promise<void> {
  if (source !== 'linac' && source !== 'tube') throw new Error('--leave-scanners-out takes linac or tube');
  const config = loadConfig();
  const model = await pickModel(opts.model, config.modelsDir, source);
  const sim = await import('#adapter/simulator/index.ts');
  const perFamily = Number(opts.perFamily ?? 150);
  if (!(Number.isInteger(perFamily) && perFamily > 0)) throw new Error('--per-family must be a positive integer');
  const out = path.resolve(opts.out ?? path.join('docs', 'evaluation', `${model.card.id}-${model.card.version}`));
  const only = opts.families ? opts.families.split(',').map((f) => f.trim()).filter(Boolean) : undefined;
  const heldOutFamilies = [...sim.heldOutFamilies(source)];
  const unknown = (only ?? []).filter((f) => f !== 'training' && !(heldOutFamilies as string[]).includes(f));
  if (unknown.length) throw new Error(`--families: not a held-out ${source} family or "training": ${unknown.join(', ')}`);
  if (opts.writeCard && only) throw new Error('--write-card records every row group (no --families)');
  const seed = opts.seed === undefined ? undefined : Number(opts.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed > 0)) throw new Error('--seed must be a positive integer');
  if (opts.writeCard && seed !== undefined) throw new Error('--write-card records the standard draw of scans (no --seed)');
  if (seed !== undefined && !opts.out) throw new Error('--seed needs --out (the default folder holds the standard draw)');
  const command = `npm run eval -- ${process.argv.slice(2).join(' ')}`;
  const rows = await runLeaveScannersOut({ model, source, perFamily, out, heldOutFamilies, trainingFamilies: [...sim.trainingFamilies(source)], only, profileOnly: opts.profileOnly, command, ...(seed !== undefined ? { seed } : {}) });
  if (opts.writeCard) await recordLeaveScannersOut(model, rows, { perFamily, profileOnly: !!opts.profileOnly, command });
}

/** Puts a leave-scanners-out table in the model's card (evaluation.leaveScannersOut), keeping the rest of the card. */
async function recordLeaveScannersOut(
  model: LoadedModel,
  rows: ScannerRow[],
  run: { perFamily: number; profileOnly: boolean; command: string; evaluatedAt?: string; recordedFrom?: string },
): Promise<void> {
  const file = path.join(model.dir, 'card.json');
  const card = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown> & { evaluation?: Record<string, unknown> };
  card.evaluation = {
    ...(card.evaluation ?? {}),
    leaveScannersOut: {
      evaluatedAt: run.evaluatedAt ?? new Date().toISOString(),
      command: run.command,
      ...(run.recordedFrom ? { recordedFrom: run.recordedFrom } : {}),
      perFamily: run.perFamily,
      // profile only: each scan analysed with its scanner's calibration profile (no nominal rows).
      calibrations: run.profileOnly ? ['profile'] : ['profile', 'nominal'],
      table: formatScannerTable(rows),
      rows: rows.map((r) => ({
        family: r.family,
        heldOut: r.heldOut,
        calibration: r.calibration,
        ivoryDetection: r.report.classes.ivory?.detectionRate,
        rhinoHornDetection: r.report.classes.rhino_horn?.detectionRate,
        wildlifeFalseAlarms: r.report.wildlifeFalseAlarmRate,
        verdictFalseAlarms: r.report.verdictFalseAlarmRate,
        misdeclaredCitesFlagged: r.report.timber.misdeclaredCitesFlagged,
        honestTimberFalselyFlagged: r.report.timber.honestFalseFlags,
        byConcealment: r.report.byConcealment,
      })),
    },
  };
  await fs.writeFile(file, JSON.stringify(card, null, 2) + '\n');
  console.log(`recorded the leave-scanners-out table in ${file}`);
}

/**
 * --record-from DIR: records the leave-scanners-out run saved in DIR (leave-scanners-out.json) in
 * its model's card without running it again (a run made without --write-card). Refused unless the
 * run is the whole table (every row group, and both calibrations unless it was profile-only) and was
 * made with this model file, these thresholds and rules (what decides the alerts), this revision
 * of the simulated cargo and of the harness (HARNESS_REVISION), on the standard draw (LSO_SEED).
 */
async function recordFrom(dir: string): Promise<void> {
  const file = path.resolve(dir.endsWith('.json') ? dir : path.join(dir, 'leave-scanners-out.json'));
  const run = JSON.parse(await fs.readFile(file, 'utf8')) as {
    model: string; perFamily: number; rows: ScannerRow[]; sha256?: string; cargoRevision?: number; profileOnly?: boolean; command?: string; evaluatedAt?: string;
    thresholds?: unknown; rules?: unknown; seed?: number; harnessRevision?: number;
  };
  const model = await pickModel(run.model, loadConfig().modelsDir, 'linac');
  if (run.sha256 !== model.card.sha256) throw new Error(`${file} was made with another ${run.model} file (sha256 ${run.sha256?.slice(0, 12) ?? 'not saved'}…, the card has ${model.card.sha256.slice(0, 12)}…)`);
  const same = (a: unknown, b: unknown) => isDeepStrictEqual(a ?? null, b ?? null);
  if (!same(run.thresholds, model.card.thresholds)) throw new Error(`${file} was made with other thresholds than the card's now (or saved none): run it again`);
  if (!same(run.rules, model.card.rules)) throw new Error(`${file} was made with other rules than the card's now (or saved none): run it again`);
  if ((run.seed ?? LSO_SEED) !== LSO_SEED) throw new Error(`${file} was drawn from seed ${run.seed}; a card records the standard draw (${LSO_SEED})`);
  if ((run.harnessRevision ?? 1) !== HARNESS_REVISION) throw new Error(`${file} was made by evaluation harness revision ${run.harnessRevision ?? 1}; this build is at ${HARNESS_REVISION}: run it again`);
  const sim = await import('#adapter/simulator/index.ts');
  if ((run.cargoRevision ?? 1) !== sim.VARIED_CARGO_REVISION) throw new Error(`${file} was drawn with simulated cargo revision ${run.cargoRevision ?? 1}; the simulator is at ${sim.VARIED_CARGO_REVISION}: run it again`);
  const source = model.card.input.sourceKinds.includes('linac') ? 'linac' : 'tube';
  const profileOnly = run.profileOnly ?? !run.rows.some((r) => r.calibration === 'nominal');
  const have = new Set(run.rows.map((r) => `${r.heldOut ? r.family : 'training'}|${r.calibration}`));
  const missing = [...sim.heldOutFamilies(source), 'training'].flatMap((f) => (profileOnly ? ['profile'] : ['profile', 'nominal']).filter((c) => !have.has(`${f}|${c}`)).map((c) => `${f} (${c})`));
  if (missing.length) throw new Error(`${file} lacks row groups ${missing.join(', ')}: the card records the full table`);
  await recordLeaveScannersOut(model, run.rows, {
    perFamily: run.perFamily,
    profileOnly,
    command: run.command ?? `npm run eval -- --leave-scanners-out ${source} --per-family ${run.perFamily}${profileOnly ? ' --profile-only' : ''} --model ${run.model}`,
    ...(run.evaluatedAt ? { evaluatedAt: run.evaluatedAt } : {}),
    recordedFrom: path.relative(process.cwd(), file),
  });
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      'leave-scanners-out': { type: 'string' },
      'per-family': { type: 'string' },
      families: { type: 'string' },
      'profile-only': { type: 'boolean', default: false },
      scanners: { type: 'string' },
      nominal: { type: 'boolean', default: false },
      scans: { type: 'string' },
      simulate: { type: 'string' },
      doses: { type: 'string' },
      model: { type: 'string' },
      json: { type: 'string' },
      out: { type: 'string' },
      'no-examples': { type: 'boolean', default: false },
      'write-card': { type: 'boolean', default: false },
      'record-from': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const run = values['record-from']
    ? recordFrom(values['record-from'])
    : values['leave-scanners-out']
    ? leaveScannersOut(values['leave-scanners-out'], { perFamily: values['per-family'], model: values.model, out: values.out, writeCard: values['write-card'], families: values.families, profileOnly: values['profile-only'], seed: values.seed })
    : runEvaluation({ ...values, examples: !values['no-examples'], writeCard: values['write-card'] }).then(() => undefined);
  run.catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
