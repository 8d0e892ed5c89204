// Diagnostic (README "Why projected ivory is not seen as ivory"): per projected object of a folder of TIP packages, 2.2.0's heat-map peak of
// the object's class on its truth box, and what the model reads there: Σ over the box's 6 mm cells of the area density and iron-equivalent
// planes minus those of the benign target the object was projected into (same calibration profile), and their ratio (metal fraction).
// Run from the repository root: npx tsx docs/evaluation/tip-finetune/masks/scripts/tip-objects.ts TIP_DIR OUT.json
import fs from 'node:fs/promises';
import path from 'node:path';
import { packageScans } from '#models/evaluation/labelled-scans.ts';
import { loadModelDir } from '#services/model-registry/registry.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { decodeHeatmap } from '#services/core/heatmap.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { buildModelInput } from '#workers/analysis/preprocess.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { decodeScanImage, readScanPackage } from '#adapter/scan-package/read.ts';

const [dir, out] = process.argv.slice(2);
const BENIGN = '/work/runs/tipm/data/benign-96cu';
const model = await loadModelDir('/work/main/models/wildlife-timber-fcn/2.2.0');
const rep = model.card.input.representation as { massScale: number; metalScale: number };
const pool = new InferencePool(1, 1);
await pool.load(model.path);
const species = loadSpeciesReference();
const rows: unknown[] = [];
for await (const s of packageScans(dir!)) {
  const m = s.metadata;
  const target = m.scanId.replace(/^tip-/, '').replace(/-\d+$/, '');
  const pkg = await readScanPackage(path.join(BENIGN, target));
  const bh = await decodeScanImage(pkg.imagePaths.high);
  const bl = await decodeScanImage(pkg.imagePaths.low!);
  const inB = buildModelInput(model.card, { high: bh, low: bl }, m.airValue, m.pixelSpacingMm, s.response);
  const inT = buildModelInput(model.card, s.images, m.airValue, m.pixelSpacingMm, s.response);
  const a = await analyseImages({ scanId: m.scanId, metadata: m, images: s.images, response: s.response }, { models: [model], pool, species });
  const pw = inT.dims[3];
  const ph = inT.dims[2];
  for (const o of s.truth.objects.filter((o) => o.concealment === 'tip')) {
    const b = o.boundingBox;
    const hm = a.results[0]!.heatmaps!.find((h) => h.class === o.class)!;
    const cells = decodeHeatmap(hm);
    let peak = 0;
    for (let q = 0; q < cells.length; q++) {
      const X0 = (q % hm.width) * hm.cellWidthPx;
      const Y0 = Math.floor(q / hm.width) * hm.cellHeightPx;
      if (X0 + hm.cellWidthPx > b.x && X0 < b.x + b.width && Y0 + hm.cellHeightPx > b.y && Y0 < b.y + b.height) peak = Math.max(peak, cells[q]! / 255);
    }
    let mass = 0;
    let metal = 0;
    let n = 0;
    for (let y = 0; y < inT.height; y++) {
      for (let x = 0; x < inT.width; x++) {
        const X0 = x * inT.factorX;
        const Y0 = y * inT.factorY;
        if (!(X0 + inT.factorX > b.x && X0 < b.x + b.width && Y0 + inT.factorY > b.y && Y0 < b.y + b.height)) continue;
        const c = y * pw + x;
        mass += (inT.data[c]! - inB.data[c]!) / rep.massScale;
        metal += (inT.data[ph * pw + c]! - inB.data[ph * pw + c]!) / rep.metalScale;
        n++;
      }
    }
    const src = /from scan (\S+)/.exec(o.notes ?? '')?.[1];
    const srcObj = /projection of (\S+)/.exec(o.notes ?? '')?.[1];
    rows.push({ scanId: m.scanId, id: o.id, class: o.class, source: `${src}/${srcObj}`, peak, cells: n, meanGcm2: mass / n, metalFraction: metal / mass });
  }
}
await pool.close();
await fs.writeFile(out!, JSON.stringify(rows, null, 1));
const by = new Map<string, Array<{ peak: number; metalFraction: number }>>();
for (const r of rows as Array<{ class: string; peak: number; metalFraction: number }>) by.set(r.class, [...(by.get(r.class) ?? []), r]);
const med = (v: number[]) => v.sort((a, b) => a - b)[v.length >> 1]!;
for (const [c, v] of by) console.log(`${c}: ${v.length} objects, peak median ${med(v.map((r) => r.peak)).toFixed(3)}, ≥ 0.86: ${v.filter((r) => r.peak >= 0.86).length}, metal fraction median ${med(v.map((r) => r.metalFraction)).toFixed(2)} (10–90 %: ${(() => { const s = v.map((r) => r.metalFraction).sort((a, b) => a - b); return `${s[Math.floor(0.1 * (s.length - 1))]!.toFixed(2)}…${s[Math.floor(0.9 * (s.length - 1))]!.toFixed(2)}`; })()})`);
process.exit(0);
