// Diagnostic (README "Why projected ivory is not seen as ivory"): 2.2.0's ivory heat-map peak on EVERY ivory object of the signature source
// scans (/work/runs/tipm/data/sig-src, scenario ivory), to compare the objects TIP cut out (signatures.json from signature-split.ts) with all.
// Run from the repository root: npx tsx docs/evaluation/tip-finetune/masks/scripts/source-objects.ts  → /work/runs/tipdiag/source-objects.json
import fs from 'node:fs/promises';
import { packageScans } from '#models/evaluation/labelled-scans.ts';
import { loadModelDir } from '#services/model-registry/registry.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { decodeHeatmap } from '#services/core/heatmap.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';

const model = await loadModelDir('/work/main/models/wildlife-timber-fcn/2.2.0');
const pool = new InferencePool(1, 1);
await pool.load(model.path);
const species = loadSpeciesReference();
const rows: Array<{ scanId: string; id: string; concealment: string; peak: number; area: number }> = [];
for await (const s of packageScans('/work/runs/tipm/data/sig-src')) {
  if (!s.truth.objects.some((o) => o.class === 'ivory')) continue;
  const m = s.metadata;
  const a = await analyseImages({ scanId: m.scanId, metadata: m, images: s.images, response: s.response }, { models: [model], pool, species });
  const hm = a.results[0]!.heatmaps!.find((h) => h.class === 'ivory')!;
  const cells = decodeHeatmap(hm);
  for (const o of s.truth.objects.filter((o) => o.class === 'ivory')) {
    const b = o.boundingBox;
    let peak = 0;
    for (let q = 0; q < cells.length; q++) {
      const X0 = (q % hm.width) * hm.cellWidthPx;
      const Y0 = Math.floor(q / hm.width) * hm.cellHeightPx;
      if (X0 + hm.cellWidthPx > b.x && X0 < b.x + b.width && Y0 + hm.cellHeightPx > b.y && Y0 < b.y + b.height) peak = Math.max(peak, cells[q]! / 255);
    }
    rows.push({ scanId: m.scanId, id: o.id, concealment: o.concealment, peak, area: b.width * b.height * m.pixelSpacingMm.x * m.pixelSpacingMm.y });
  }
}
await pool.close();
await fs.writeFile('/work/runs/tipdiag/source-objects.json', JSON.stringify(rows, null, 1));
const s = rows.map((r) => r.peak).sort((a, b) => a - b);
console.log(`${rows.length} ivory objects: peak median ${s[s.length >> 1]!.toFixed(3)}, ≥ 0.86: ${s.filter((v) => v >= 0.86).length}`);
process.exit(0);
