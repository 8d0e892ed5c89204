// Diagnostic (README "Why projected ivory is not seen as ivory"): does each fitted calibration profile's two-basis decomposition invert its own
// forward model? (organic, metal) → forward → decompose, per profile of sig-src and benign-96cu, plus the split's sensitivity to 0.001 of low-channel attenuation.
// Run from the repository root: npx tsx docs/evaluation/tip-finetune/masks/scripts/decomposer-inverse.ts
import { folderProfiles } from '#models/tip/tip.ts';
import { decomposerFor } from '#services/core/physics/decompose.ts';
const D = '/work/runs/tipm/data';
const profs = [...(await folderProfiles(`${D}/sig-src`)), ...(await folderProfiles(`${D}/benign-96cu`)).slice(0, 1)];
for (const p of profs) {
  const dec = decomposerFor(p.response);
  const w = (c: { weights: number[] }) => c.weights.reduce((a, b) => a + b, 0).toFixed(4);
  const rows: string[] = [];
  for (const [o, m] of [[0, 0], [5, 0], [20, 0], [0, 2], [0, 5], [5, 4], [10, 8], [30, 20], [100, 10]]) {
    const f = dec.forward(o!, m!);
    const b = dec.pixel(f.high, f.low);
    rows.push(`(${o},${m})→(${b.organic.toFixed(1)},${b.metal.toFixed(1)})`);
  }
  // sensitivity: d(org,met)/d(a_low) at (10,8)
  const f = dec.forward(10, 8);
  const b1 = dec.pixel(f.high, f.low! + 0.001);
  const b0 = dec.pixel(f.high, f.low!);
  console.log(p.serial, 'wsum', w(p.response.high), w(p.response.low!), 'Emean', (p.response.high.energiesMeV.reduce((s, e, i) => s + e * p.response.high.weights[i]!, 0)).toFixed(2), (p.response.low!.energiesMeV.reduce((s, e, i) => s + e * p.response.low!.weights[i]!, 0)).toFixed(2), rows.join(' '), `d/da_low(0.001): org ${(b1.organic - b0.organic).toFixed(2)} met ${(b1.metal - b0.metal).toFixed(2)}`);
}
