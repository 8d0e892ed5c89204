// Diagnostic (README "Why projected ivory is not seen as ivory"): round trip of each ivory signature of the run into its OWN source scan.
// The object's region (its truth boxes + 1 px) is erased (harmonic fill of the attenuation, as extraction does, plus Poisson noise at the
// scan's estimated dose) and the signature is projected back at its original place with no variation, once as the basis split (the TIP of
// the run) and once as a thickness of ivory (the fix). Compares, per object, 2.2.0's inputs (6 mm area density and iron-equivalent planes,
// workers/src/analysis/preprocess.ts, with the same calibration profiles as the eval) over the erased scan, and 2.2.0's ivory heat-map peak
// on the object's box, in the original / erased / projected scans. Writes /work/runs/tipdiag/roundtrip.json.
// Run from the repository root: npx tsx docs/evaluation/tip-finetune/masks/scripts/roundtrip.ts [--all]   (--all: all 37 ivory signatures, not only the 14 used)
import fs from 'node:fs/promises';
import { packageScans } from '#models/evaluation/labelled-scans.ts';
import { IDENTITY_VARIATION, estimateDoses, extractSignatures, gaussianBlur, harmonicFill, projectFootprint, transformSignature, type ScanImages, type Signature } from '#models/tip/tip.ts';
import { decomposerFor } from '#services/core/physics/decompose.ts';
import { loadModelDir } from '#services/model-registry/registry.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import { decodeHeatmap } from '#services/core/heatmap.ts';
import { analyseImages } from '#workers/analysis/analyse.ts';
import { buildModelInput } from '#workers/analysis/preprocess.ts';
import { InferencePool } from '#workers/inference/inference-pool.ts';
import { Rng } from '#adapter/simulator/prng.ts';
import type { BoundingBox } from '#adapter/scan-package/types.ts';

const D = '/work/runs/tipm/data';
const EXCLUDE = new Set('1,3,4,7,8,14,16,17,18,19,20,22,23,27,28,29,31,32,33,34,35,37,40,41,43,47,48,50,52,53,54,55'.split(','));
const ALL = process.argv.includes('--all');
const model = await loadModelDir('/work/main/models/wildlife-timber-fcn/2.2.0');
const pool = new InferencePool(1, 1);
await pool.load(model.path);
const species = loadSpeciesReference();
const rows: unknown[] = [];
let n = 0;
const copy = (im: ScanImages): ScanImages => ({ high: { ...im.high, data: im.high.data.slice() }, ...(im.low ? { low: { ...im.low, data: im.low.data.slice() } } : {}) });
for await (const scan of packageScans(`${D}/sig-src`)) {
  const r = extractSignatures({ metadata: scan.metadata, images: scan.images, response: scan.response, truth: scan.truth });
  const mine: Array<{ sig: Signature; num: number }> = [];
  for (const sig of r.signatures) {
    n++;
    if (sig.class === 'ivory' && (ALL || !EXCLUDE.has(String(n)))) mine.push({ sig, num: n });
  }
  if (!mine.length) continue;
  const m = scan.metadata;
  const air = m.airValue;
  const W = scan.images.high.width;
  const H = scan.images.high.height;
  const dose = estimateDoses(scan.images as ScanImages, air);
  const rng = new Rng(17, n, 1);
  // Erase every ivory signature's member boxes (+1 px) with the harmonic fill of its box + 8 px margin.
  const erased = copy(scan.images as ScanImages);
  const boxesOf = (sig: Signature): BoundingBox[] => sig.members.map((mb) => scan.truth.objects.find((o) => o.id === mb.objectId)!.boundingBox);
  for (const { sig } of mine) {
    const bs = boxesOf(sig);
    const x0 = Math.min(...bs.map((b) => b.x)) - 8;
    const y0 = Math.min(...bs.map((b) => b.y)) - 8;
    const w = Math.max(...bs.map((b) => b.x + b.width)) + 8 - x0;
    const h = Math.max(...bs.map((b) => b.y + b.height)) + 8 - y0;
    for (const [key, d] of [['high', dose.high], ['low', dose.low]] as const) {
      const img = scan.images[key];
      if (!img) continue;
      const a = new Float32Array(w * h);
      for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) a[j * w + i] = -Math.log(Math.max(0.5, img.data[(y0 + j) * W + x0 + i]!) / air);
      const fill = harmonicFill(gaussianBlur(a, w, h, 0.7), w, h);
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++) {
          const x = x0 + i;
          const y = y0 + j;
          if (!bs.some((b) => x >= b.x - 1 && x < b.x + b.width + 1 && y >= b.y - 1 && y < b.y + b.height + 1)) continue;
          const v = air * Math.exp(-fill[j * w + i]!);
          erased[key]!.data[y * W + x] = Math.min(65535, Math.max(1, Math.round(v + (d ? Math.sqrt((air * v) / d) * rng.normal() : 0))));
        }
      }
    }
  }
  const dec = decomposerFor(scan.response);
  const project = (material: boolean): ScanImages => {
    const out = copy(erased);
    for (const { sig } of mine) {
      const s: Signature = material ? sig : { ...sig, material: undefined, thicknessGcm2: undefined };
      const fp = transformSignature(s, IDENTITY_VARIATION, m.pixelSpacingMm);
      // Footprint pixel (i, j) samples signature pixel (i − 1, j − 1) with no variation (one-pixel frame).
      projectFootprint(out, erased, air, dec, fp, sig.sourceOrigin.x - 1, sig.sourceOrigin.y - 1, dose, rng, true);
    }
    return out;
  };
  const variants: Record<string, ScanImages> = { original: scan.images as ScanImages, erased, basis: project(false), material: project(true) };
  const inputs: Record<string, ReturnType<typeof buildModelInput>> = {};
  const heat: Record<string, { cells: Uint8Array; w: number; cw: number; ch: number }> = {};
  for (const [k, im] of Object.entries(variants)) {
    inputs[k] = buildModelInput(model.card, im, air, m.pixelSpacingMm, scan.response);
    const a = await analyseImages({ scanId: m.scanId, metadata: m, images: im, response: scan.response }, { models: [model], pool, species });
    const hm = a.results[0]!.heatmaps!.find((x) => x.class === 'ivory')!;
    heat[k] = { cells: decodeHeatmap(hm), w: hm.width, cw: hm.cellWidthPx, ch: hm.cellHeightPx };
  }
  for (const { sig, num } of mine) {
    const bs = boxesOf(sig);
    const inp = inputs.original!;
    const pw = inp.dims[3];
    const ph = inp.dims[2];
    const cells: number[] = [];
    for (let y = 0; y < inp.height; y++) {
      for (let x = 0; x < inp.width; x++) {
        const X0 = x * inp.factorX;
        const Y0 = y * inp.factorY;
        if (bs.some((b) => X0 + inp.factorX > b.x && X0 < b.x + b.width && Y0 + inp.factorY > b.y && Y0 < b.y + b.height)) cells.push(y * pw + x);
      }
    }
    const planeSum = (k: string, plane: number): number => cells.reduce((s, c) => s + inputs[k]!.data[plane * ph * pw + c]! - inputs.erased!.data[plane * ph * pw + c]!, 0);
    const stat = (k: string) => {
      const mass = planeSum(k, 0) / model.card.input.representation!.massScale!;
      const metal = planeSum(k, 1) / model.card.input.representation!.metalScale!;
      // Per-pixel RMS difference from the original over the object's 6 mm pixels (area density, g/cm²).
      let d2 = 0;
      for (const c of cells) d2 += ((inputs[k]!.data[c]! - inputs.original!.data[c]!) / model.card.input.representation!.massScale!) ** 2;
      return { massGcm2Sum: mass, metalGcm2Sum: metal, metalFraction: metal / mass, rmsVsOriginal: Math.sqrt(d2 / cells.length) };
    };
    const peak = (k: string): number => {
      const hm = heat[k]!;
      let best = 0;
      for (let q = 0; q < hm.cells.length; q++) {
        const cx = q % hm.w;
        const cy = Math.floor(q / hm.w);
        const X0 = cx * hm.cw;
        const Y0 = cy * hm.ch;
        if (bs.some((b) => X0 + hm.cw > b.x && X0 < b.x + b.width && Y0 + hm.ch > b.y && Y0 < b.y + b.height)) best = Math.max(best, hm.cells[q]! / 255);
      }
      return best;
    };
    const row = {
      num,
      id: sig.id,
      serial: m.scanner?.serial,
      used: !EXCLUDE.has(String(num)),
      cells: cells.length,
      original: { ...stat('original'), ivoryPeak: peak('original') },
      erased: { ivoryPeak: peak('erased') },
      basis: { ...stat('basis'), ivoryPeak: peak('basis') },
      material: { ...stat('material'), ivoryPeak: peak('material') },
    };
    rows.push(row);
    const f = (s: { massGcm2Sum: number; metalFraction: number; ivoryPeak: number; rmsVsOriginal?: number }) => `mass ${s.massGcm2Sum.toFixed(0).padStart(6)} metal fr ${s.metalFraction.toFixed(2).padStart(6)} peak ${s.ivoryPeak.toFixed(2)}${s.rmsVsOriginal !== undefined ? ` rms ${s.rmsVsOriginal.toFixed(2)}` : ''}`;
    console.log(`#${String(num).padStart(2)} ${row.used ? 'USED' : '    '} ${row.serial} ${sig.id}\n   original ${f(row.original)}\n   erased   peak ${row.erased.ivoryPeak.toFixed(2)}\n   basis    ${f(row.basis)}\n   material ${f(row.material)}`);
  }
}
await pool.close();
await fs.writeFile(`/work/runs/tipdiag/roundtrip${ALL ? '-all' : ''}.json`, JSON.stringify(rows, null, 1));
process.exit(0);
