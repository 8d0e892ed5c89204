// Diagnostic of the TIP-with-masks experiment (README.md here): tier-1 ivory boxes of three models
// on the first 6 supplementary ivory scans (seed 960000, scanners of linac-9/6-cu, pool seed 960007).
import { simulatedScans } from '#models/evaluation/labelled-scans.ts';
import { analyseLabelled } from '#models/evaluation/run-analysis.ts';
import { loadModelDir } from '#services/model-registry/registry.ts';
const spec = { seed: 960000, count: 6, scenario: 'ivory', source: 'linac' as const, scanners: { families: ['linac-9/6-cu'], count: 2, seed: 960007, nominalFraction: 0 } };
for (const v of ['2.2.0', '2.3.1-tipm', '2.3.1-ctlm']) {
  const m = await loadModelDir(`/work/runs/tipm/models/wildlife-timber-fcn/${v}`);
  const thr = m.card.thresholds.ivory.score;
  const res = await analyseLabelled(simulatedScans(spec), m);
  for (const r of res) {
    const truth = r.truth.objects.filter((o) => o.class === 'ivory').map((o) => `${o.boundingBox.width}×${o.boundingBox.height}`);
    const boxes = r.detections.filter((d) => d.class === 'ivory' && d.score >= thr).map((d) => `${d.box.width}×${d.box.height}@${d.score.toFixed(2)}`);
    console.log(`${v} ${r.scanId} ${r.metadata.scanner?.serial} image ${r.truth.objects.length} obj; ivory truth [${truth.join(' ')}]; ivory boxes ≥ thr [${boxes.join(' ')}]`);
  }
}
process.exit(0);
