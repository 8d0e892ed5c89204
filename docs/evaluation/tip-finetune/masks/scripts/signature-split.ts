// Diagnostic (README "Why projected ivory is not seen as ivory"): the 56 signatures `npm run tip` cuts from /work/runs/tipm/data/sig-src
// (same order and numbers as its --sheet), each with its source scanner, mass, mean organic / metal area density under its mask
// and the metal fraction, marking the 24 kept by the run's --exclude list. Writes /work/runs/tipdiag/signatures.json.
// Run from the repository root: npx tsx docs/evaluation/tip-finetune/masks/scripts/signature-split.ts
import fs from 'node:fs/promises';
import { packageScans } from '#models/evaluation/labelled-scans.ts';
import { extractSignatures, type Signature } from '#models/tip/tip.ts';
const D = '/work/runs/tipm/data';
const EXCLUDE = new Set('1,3,4,7,8,14,16,17,18,19,20,22,23,27,28,29,31,32,33,34,35,37,40,41,43,47,48,50,52,53,54,55'.split(','));
const all: Array<Signature & { serial: string }> = [];
for await (const scan of packageScans(`${D}/sig-src`)) {
  const r = extractSignatures({ metadata: scan.metadata, images: scan.images, response: scan.response, truth: scan.truth });
  for (const s of r.signatures) all.push({ ...s, serial: scan.metadata.scanner?.serial ?? '?' });
}
const rows = all.map((s, i) => {
  let o = 0, m = 0, n = 0;
  for (let q = 0; q < s.mask.length; q++) if (s.mask[q]) { o += s.organic[q]!; m += s.metal[q]!; n++; }
  return { n: i + 1, used: !EXCLUDE.has(String(i + 1)), id: s.id, class: s.class, serial: s.serial, spacing: s.pixelSpacingMm, massKg: s.massG / 1000, maskPx: n, meanOrganic: o / n, meanMetal: m / n, metalFraction: m / (o + m), noiseGcm2: s.noiseGcm2 };
});
for (const r of rows) console.log(`${String(r.n).padStart(2)} ${r.used ? 'USED' : '    '} ${r.class.padEnd(10)} ${r.serial.padEnd(16)} ${r.massKg.toFixed(1).padStart(5)} kg  org ${r.meanOrganic.toFixed(2).padStart(7)} met ${r.meanMetal.toFixed(2).padStart(7)} metal fraction ${r.metalFraction.toFixed(2).padStart(6)} noise ${r.noiseGcm2.toFixed(2)}  ${r.id}`);
await fs.writeFile('/work/runs/tipdiag/signatures.json', JSON.stringify(rows, null, 1));
