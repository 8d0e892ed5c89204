/**
 * Per-scan listing of what the timber path concluded, for finding out why a load was or was not
 * flagged: true species and density, each above-threshold timber detection's density group, score,
 * 90 % density interval and box size, and the alert's timber reasons. The leave-scanners-out table
 * gives only the rates; this shows the intervals behind them.
 *
 *   npx tsx models/evaluation/timber-loads.ts [--model ID@VERSION (default: the active one)] [--scenario cites_timber|timber_honest]
 *                                              [--count N] [--families held-out|training] [--seed S] [--source linac|tube]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '#services/core/config.ts';
import { pickModel } from './pick-model.ts';
import { simulatedScans } from './labelled-scans.ts';
import { analyseLabelled } from './run-analysis.ts';
import { isWood } from '#workers/decision/decide.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    scenario: { type: 'string', default: 'cites_timber' },
    count: { type: 'string', default: '48' },
    families: { type: 'string', default: 'held-out' },
    seed: { type: 'string', default: '980000' },
    source: { type: 'string', default: 'linac' },
  },
});
if (values.source !== 'linac' && values.source !== 'tube') throw new Error('--source takes linac or tube');
// default: the active model for the source, as the worker would pick it
const model = await pickModel(values.model, loadConfig().modelsDir, values.source);
const count = Number(values.count);
const scans = await analyseLabelled(
  simulatedScans({
    seed: Number(values.seed),
    count,
    scenario: values.scenario!,
    source: values.source as 'linac' | 'tube',
    scanners: { families: values.families as 'held-out' | 'training', count: 12, seed: 112, nominalFraction: 0 },
  }),
  model,
  { progressLabel: 'timber-loads', expected: count },
);
let flagged = 0;
for (const s of scans) {
  const truth = [...new Set(s.truth.objects.filter((o) => o.class === 'timber').map((o) => `${o.species} ${o.densityGcm3}`))].slice(0, 2).join(', ');
  const dets = s.detections
    .filter((d) => d.class === 'timber' && d.aboveThreshold)
    .map((d) => `${d.species} ${d.score.toFixed(2)} [${d.densityIntervalGcm3?.join('–') ?? '?'}] ${(d.boxMm.width / 1000).toFixed(1)}×${(d.boxMm.height / 1000).toFixed(1)} m`)
    .join('; ');
  const reasons = (s.alert?.reasons ?? []).map((r) => r.code).filter((c) => /timber|species/.test(c));
  if (reasons.length) flagged++;
  const declared = (s.metadata.manifest?.declarations ?? []).filter(isWood).map((d) => d.species ?? `HS ${d.hsCode}`).join(', ');
  console.log(`${s.truth.scanner?.family ?? 'legacy'} | ${s.truth.manifestTruth.honest ? 'honest' : 'misdeclared'} | ${truth || 'no timber'} | declared ${declared || 'no wood'} | ${dets || 'no timber detection'} | ${reasons.join(', ') || '-'}`);
}
console.log(`${model.card.id}@${model.card.version} ${values.scenario} on ${values.families} families: ${flagged} of ${scans.length} scans flagged by a timber rule`);
