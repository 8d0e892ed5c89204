/**
 * Trains a model end to end and writes models/<id>/<version>/{model.onnx,card.json}:
 *  1. builds the train split from the simulator if it is not cached (dataset.ts),
 *  2. trains with PyTorch from Debian's python3-torch (/usr/bin/python3 train.py), exports ONNX,
 *  3. calibrates per-class thresholds on the validation split through the worker's analysis path,
 *  4. writes the card with sha-256, thresholds, training data description and limits.
 *
 *   npm run train -- --model wildlife-timber-fcn --version 1.0.0 [--activate] [--epochs N] [--steps N]
 *                    [--train-count N] [--val-count N] [--packages DIR (agency archive, train split)]
 *                    [--init models/training/.cache/<id>/<version>.state.pt (fine-tune from an earlier version)]
 *                    [--add-packages DIR (the usual simulated train split plus these packages, e.g. TIP output)]
 *                    [--learning-rate X (peak of the one-cycle schedule; lower when continuing from --init)]
 *                    [--train-scanners N (virtual scanners in the train split instead of the config's)]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isMain } from '#services/core/is-main.ts';
import { DECOMPOSER_VERSION } from '#services/core/physics/decompose.ts';
import { VARIED_CARGO_REVISION } from '#adapter/simulator/index.ts';
import type { DetectionClass } from '#services/core/domain.ts';
import type { ModelCard } from '#services/model-registry/card.ts';
import { sha256File } from '#services/storage/image-store.ts';
import { simulatedScans } from '../evaluation/labelled-scans.ts';
import { analyseLabelled } from '../evaluation/run-analysis.ts';
import { calibrate, calibrateJointly } from './calibrate.ts';
import { cardSkeleton, loadTrainingConfig } from './config.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const PYTHON = process.env.TRAIN_PYTHON || '/usr/bin/python3';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: ROOT });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
    child.on('error', reject);
  });
}

export async function train(opts: {
  model: string;
  version: string;
  activate?: boolean;
  epochs?: number;
  steps?: number;
  trainCount?: number;
  valCount?: number;
  packages?: string;
  /** Labelled packages trained on in addition to the usual split (fine-tuning with an agency's TIP output). */
  addPackages?: string;
  modelsDir?: string;
  cacheDir?: string;
  rebuild?: boolean;
  /** Keep the trained model.onnx and its training record; only re-calibrate and rewrite the card. */
  calibrateOnly?: boolean;
  /** Start from these network weights (a <version>.state.pt in the cache folder): fine-tuning. */
  init?: string;
  /** Peak learning rate instead of the config's (a continuation wants a lower one). */
  learningRate?: number;
  /** Virtual scanners in the train split instead of the config's (more scanners, more physics seen). */
  trainScanners?: number;
}): Promise<ModelCard> {
  const configPath = path.join(ROOT, 'models/training/configs', `${opts.model}.json`);
  const cfg = await loadTrainingConfig(configPath);
  if (opts.trainCount) cfg.dataset.train.count = opts.trainCount;
  if (opts.valCount) cfg.dataset.val.count = opts.valCount;
  if (opts.learningRate) cfg.training.learningRate = opts.learningRate;
  if (opts.trainScanners && cfg.dataset.train.scanners) cfg.dataset.train.scanners.count = opts.trainScanners;
  // A small split needs no more scanners than scans (each scanner is calibrated once per process).
  for (const split of [cfg.dataset.train, cfg.dataset.val]) if (split.scanners) split.scanners.count = Math.min(split.scanners.count, split.count);
  const cache = path.resolve(opts.cacheDir ?? path.join(ROOT, 'models/training/.cache', cfg.id));
  const modelsDir = path.resolve(opts.modelsDir ?? path.join(ROOT, 'models'));
  const t0 = Date.now();

  const outDir = path.join(modelsDir, cfg.id, opts.version);
  const onnx = path.join(outDir, 'model.onnx');
  let report: Record<string, unknown>;
  let datasetS = 0;
  if (opts.calibrateOnly) {
    // The training record: from the card of an earlier calibration, else the copy kept beside the cache.
    const previous = await fs
      .readFile(path.join(outDir, 'card.json'), 'utf8')
      .then((t) => JSON.parse(t) as ModelCard)
      .catch(() => null);
    report = previous
      ? (((previous.evaluation as { training?: Record<string, unknown> } | undefined)?.training ?? {}) as Record<string, unknown>)
      : (JSON.parse(await fs.readFile(path.join(cache, `${opts.version}.training.json`), 'utf8')) as Record<string, unknown>);
    datasetS = Number(report.datasetSeconds ?? 0);
  } else {
    ({ report, datasetS } = await buildAndTrain());
  }

  async function buildAndTrain(): Promise<{ report: Record<string, unknown>; datasetS: number }> {
    // 1. dataset (the config may have been overridden, so write the effective one for the children)
    const effective = path.join(cache, 'config.json');
    await fs.mkdir(cache, { recursive: true });
    await fs.writeFile(effective, JSON.stringify(cfg, null, 2));
    const trainIndex = path.join(cache, 'train', 'dataset.json');
    let have: { scans?: number; decomposer?: number; spec?: unknown; cargo?: number } = {};
    try {
      have = JSON.parse(await fs.readFile(trainIndex, 'utf8'));
    } catch {
      /* not built */
    }
    const wanted = opts.packages || opts.addPackages ? undefined : cfg.dataset.train.count; // an archive has the size it has
    const addedElsewhere = (have as { addedPackages?: string }).addedPackages !== (opts.addPackages ? path.resolve(opts.addPackages) : undefined);
    // Inputs made by another decomposition are another dataset (the cache would otherwise be reused silently).
    const staleInputs = have.decomposer !== DECOMPOSER_VERSION;
    // So is a simulated split drawn with other seeds or scanners (caches from before the spec was recorded: by size only).
    const otherSpec = !opts.packages && have.spec !== undefined && JSON.stringify(have.spec) !== JSON.stringify(cfg.dataset.train);
    // And so is one simulated before the varied cargo last changed (caches without the field: revision 1).
    const otherCargo = !opts.packages && have.scans !== undefined && (have.cargo ?? 1) !== VARIED_CARGO_REVISION;
    if (opts.rebuild || !have.scans || addedElsewhere || staleInputs || otherSpec || otherCargo || (wanted !== undefined && have.scans !== wanted)) {
      const args = ['tsx', 'models/training/dataset.ts', '--config', effective, '--split', 'train', '--out', path.join(cache, 'train')];
      if (opts.packages) args.push('--packages', opts.packages);
      if (opts.addPackages) args.push('--add-packages', path.resolve(opts.addPackages));
      await run('npx', args);
    }
    const datasetSeconds = (Date.now() - t0) / 1000;

    // 2. training
    await fs.mkdir(outDir, { recursive: true });
    // Checkpointed after every epoch: an interrupted run resumes where it stopped.
    const checkpoint = path.join(cache, `train-${opts.version}.ckpt`);
    const pyArgs = ['models/training/train.py', '--config', effective, '--data', cache, '--out', onnx, '--checkpoint', checkpoint];
    if (opts.epochs !== undefined) pyArgs.push('--epochs', String(opts.epochs));
    if (opts.steps !== undefined) pyArgs.push('--steps', String(opts.steps));
    if (opts.init) pyArgs.push('--init', path.resolve(opts.init));
    await run(PYTHON, pyArgs);
    const trained = JSON.parse(await fs.readFile(`${onnx}.training.json`, 'utf8')) as Record<string, unknown>;
    // Kept beside the cache too: a calibration that fails after training can be re-run with --calibrate-only.
    await fs.rename(`${onnx}.training.json`, path.join(cache, `${opts.version}.training.json`));
    await fs.rm(checkpoint, { force: true });
    // The network weights, for fine-tuning a later version (--init); kept beside the dataset cache.
    await fs.rename(`${onnx}.state.pt`, path.join(cache, `${opts.version}.state.pt`));
    return { report: trained, datasetS: datasetSeconds };
  }

  // 3. calibration through the worker's analysis path
  const card = cardSkeleton(cfg, opts.version);
  card.sha256 = (await sha256File(onnx)).sha256;
  const provisional = { card, path: onnx, dir: outDir, shadow: false };
  const analysed = await analyseLabelled(simulatedScans(cfg.dataset.val), provisional, { progressLabel: 'calibrate', expected: cfg.dataset.val.count });
  // Wildlife classes share the scan-level false-alarm budget (chosen jointly); timber presence is
  // not itself an alarm, so its threshold only sets what counts as a confident timber region.
  const wildlife = cfg.classes.filter((c) => c !== 'timber');
  const timber = cfg.classes.filter((c) => c === 'timber');
  const budgets: Record<DetectionClass, number> = { ivory: 0, rhino_horn: 0, timber: 0.05 };
  card.thresholds = {
    ...calibrate(analysed, timber, budgets, cfg.candidateScore),
    ...calibrateJointly(analysed, wildlife, cfg.targetFalseAlarmRate, cfg.candidateScore),
  };

  // 4. card
  card.createdAt = new Date().toISOString();
  const tube = cfg.input.sourceKinds.includes('tube') && !cfg.input.sourceKinds.includes('linac');
  const basis = cfg.input.representation?.kind === 'basis';
  const dom = cfg.domain;
  const energies = dom
    ? tube
      ? `${Math.round(dom.highEnergyMeV[0] * 1000)}–${Math.round(dom.highEnergyMeV[1] * 1000)} kVp`
      : `${dom.highEnergyMeV[0]}–${dom.highEnergyMeV[1]} MeV`
    : tube
      ? '160/80 kVp'
      : '6/4 MeV';
  const scanKind = tube ? `dual-energy X-ray tube scan (${energies} high channel: pallets, parcels, air cargo)` : `dual-energy linac cargo scan (${energies} high channel: containers, trucks)`;
  card.intendedUse = `Assists a customs inspector by pointing at regions of a ${scanKind} that look like elephant ivory, rhino horn or timber of a density band, and by checking them against the manifest. It never clears or seizes on its own: every alert goes to a human.`;
  const train = cfg.dataset.train;
  const scanners = train.scanners
    ? `${train.scanners.count} randomised virtual scanners from the training families (${train.scanners.families === 'training' || train.scanners.families === 'held-out' ? train.scanners.families : train.scanners.families.join(', ')}; docs/simulator.md: energy pair, detector, filtration, dose, blur, scatter, line gain, afterglow, dark offset, airValue, pixel pitch, travel direction), each calibrated from its own simulated calibration package` +
      (train.scanners.nominalFraction ? `; ${Math.round(train.scanners.nominalFraction * 100)} % of the scans analysed with the nominal response instead (no profile)` : '')
    : `the project's single simulated ${train.source} scanner`;
  const cargo = train.scanners ? `, varied cargo revision ${VARIED_CARGO_REVISION} (docs/simulator.md)` : '';
  const added = opts.addPackages
    ? ` Fine-tuning${report.initialisedFrom ? ` (from ${report.initialisedFrom})` : ''} added the labelled scan packages in ${opts.addPackages} to that split (${report.trainScans} scans in all).`
    : '';
  card.trainingData = (opts.packages
    ? `Labelled scan packages from ${opts.packages} (${report.trainScans} scans).`
    : `Simulated scans only (project's physics-based simulator: Beer–Lambert with NIST XCOM coefficients, analytic spectra, Poisson noise) from ${scanners}: train split seed ${train.seed}, ${opts.addPackages ? train.count : report.trainScans} scans, scenario "${train.scenario}"${cargo}, source ${train.source}; thresholds calibrated on validation seed ${cfg.dataset.val.seed}, ${cfg.dataset.val.count} scans${cfg.dataset.val.scanners ? ` of ${cfg.dataset.val.scanners.count} other scanners of the training families` : ''}. Held-out scanner families (never trained or calibrated on) are used only for the leave-scanners-out evaluation. No real scans were used: no public labelled X-ray cargo data of ivory, rhino horn or timber species exists.`) + added;
  card.limits = [
    'Trained and measured on simulated scans only. Accuracy on real scanners is unknown until measured on an agency archive (see retraining).',
    tube
      ? `Tube dual-energy scans of pallets and parcels only, inside the validated domain (card.domain: ${energies}, pixel pitch ${dom ? dom.pixelSpacingMm.join('–') + ' mm' : 'as trained'}); a scan outside every active model's domain ends needs_review (outside_validated_domain), never clear.`
      : `Linac dual-energy scans of containers and trucks only, inside the validated domain (card.domain: ${energies}, pixel pitch ${dom ? dom.pixelSpacingMm.join('–') + ' mm' : 'as trained'}); a scan outside every active model's domain ends needs_review (outside_validated_domain), never clear.`,
    ...(basis
      ? [
          "Reads scanner-independent inputs (total and iron-equivalent area density from a two-basis decomposition with the scanner's response). With a calibration profile of the scanner these agree across scanners to a few per cent; without one (calibration: nominal) the nominal response of the declared source is used and a scanner whose detector or filtration differs from nominal gives biased material estimates (see the leave-scanners-out table, with and without profile).",
        ]
      : []),
    'Timber species are not identifiable by X-ray: the model reports density bands. A CITES species declared as a non-listed species of the same band (e.g. Dalbergia latifolia as Eucalyptus globulus) is not flagged; Swietenia (CITES II, ~0.59 g/cm³) falls in the same band as teak and is not flagged by density.',
    tube
      ? 'At tube energies the photoelectric effect makes the material estimate a strong cue (ivory and bone carry far more iron-equivalent than organics), but thick or steel-shielded objects harden the beam and erase it.'
      : 'At MeV energies ivory, bone and CaCO3-filled resin differ only slightly in material estimate (docs/models.md, material signature): the model separates ivory from tusk-shaped replicas and bone mostly by shape and context, and cannot separate a solid replica from a solid cut piece of ivory.',
    'Parallel-beam simulation, no scatter build-up beyond a fog term, simplified cargo geometry: real images have artefacts the simulator does not produce.',
  ];
  if (cfg.rules?.timberManifestRules === false)
    card.limits.push('Timber manifest rules are switched off for this model (card.rules): its density bands on held-out scans are too unreliable to accuse a declaration. Timber is still detected and shown; CITES timber in these scans is not flagged.');
  card.retraining =
    `Put labelled scan packages (xray-scan-package/1 + truth.json with boxes) in a folder, then: npm run train -- --model ${cfg.id} --version <new> --packages <folder>; evaluate with npm run eval -- --scans <held-out folder>; run it in shadow mode (SHADOW_MODELS=<id>@<version>) before promoting it in models/registry.json.`;
  card.evaluation = {
    calibration: { split: cfg.dataset.val, thresholds: card.thresholds },
    training: {
      ...report,
      trainSplit: report.trainSplit ?? (opts.packages ? { packages: opts.packages } : cfg.dataset.train),
      ...(opts.addPackages ? { addedPackages: path.resolve(opts.addPackages) } : {}),
      datasetSeconds: Math.round(datasetS),
    },
  };
  await fs.writeFile(path.join(outDir, 'card.json'), JSON.stringify(card, null, 2) + '\n');

  if (opts.activate) {
    const regPath = path.join(modelsDir, 'registry.json');
    let reg: { active: Record<string, string> } = { active: {} };
    try {
      reg = JSON.parse(await fs.readFile(regPath, 'utf8'));
    } catch {
      /* first model */
    }
    reg.active[cfg.id] = opts.version;
    await fs.writeFile(regPath, JSON.stringify(reg, null, 2) + '\n');
  }
  console.log(`wrote ${outDir} in ${((Date.now() - t0) / 1000).toFixed(0)} s; thresholds ${JSON.stringify(card.thresholds)}`);
  return card;
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'wildlife-timber-fcn' },
      version: { type: 'string', default: '1.0.0' },
      activate: { type: 'boolean', default: false },
      rebuild: { type: 'boolean', default: false },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      'train-count': { type: 'string' },
      'val-count': { type: 'string' },
      packages: { type: 'string' },
      'add-packages': { type: 'string' },
      'models-dir': { type: 'string' },
      'cache-dir': { type: 'string' },
      'calibrate-only': { type: 'boolean', default: false },
      init: { type: 'string' },
      'learning-rate': { type: 'string' },
      'train-scanners': { type: 'string' },
    },
  });
  const num = (v?: string) => (v === undefined ? undefined : Number(v));
  train({
    model: values.model!,
    version: values.version!,
    activate: values.activate,
    rebuild: values.rebuild,
    epochs: num(values.epochs),
    steps: num(values.steps),
    trainCount: num(values['train-count']),
    valCount: num(values['val-count']),
    packages: values.packages,
    addPackages: values['add-packages'],
    modelsDir: values['models-dir'],
    cacheDir: values['cache-dir'],
    calibrateOnly: values['calibrate-only'],
    init: values.init,
    learningRate: num(values['learning-rate']),
    trainScanners: num(values['train-scanners']),
  }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
