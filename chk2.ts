import { loadModelDir } from './services/model-registry/registry.ts';
import { simulatedScans } from './models/evaluation/labelled-scans.ts';
import { analyseLabelled } from './models/evaluation/run-analysis.ts';
import { iou } from './models/evaluation/metrics.ts';
const m = await loadModelDir(process.argv[2]!);
const scans = await analyseLabelled(simulatedScans({ seed: 5000, count: 60, scenario: 'mixed', source: 'linac' }), m);
const rows: string[] = [];
for (const s of scans) {
  const hasIvory = s.truth.objects.some(o => o.class === 'ivory');
  const best = s.detections.filter(d => d.class === 'ivory').sort((a, b) => b.score - a.score)[0];
  if (!best) { rows.push(`${hasIvory ? 'POS' : 'neg'} ${s.scanId} none`); continue; }
  const hits = s.truth.objects.map(o => [o, iou(o.boundingBox, best.box)] as const).filter(([, v]) => v > 0.05).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([o, v]) => `${o.class}${o.class==='ivory'?'/'+o.concealment:''}:${v.toFixed(2)}`);
  rows.push(`${hasIvory ? 'POS' : 'neg'} ${s.scanId} ${best.score.toFixed(3)} box ${best.box.width}x${best.box.height} ${hits.join(' ')}`);
}
rows.sort((a, b) => Number(b.split(' ')[2]) - Number(a.split(' ')[2]));
console.log(rows.slice(0, 40).join('\n'));
