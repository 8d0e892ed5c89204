// Diagnostic (README "Why projected ivory is not seen as ivory"): basis split (polyethylene / iron equivalent) of pure ivory and rhino horn
// in each scanner's fitted calibration profile (sig-src families and the linac-9/6-cu targets), behind nothing and behind 20 g/cm² steel.
// Run from the repository root: npx tsx docs/evaluation/tip-finetune/masks/scripts/basis-of-ivory.ts
import { folderProfiles } from '#models/tip/tip.ts';
import { decomposerFor } from '#services/core/physics/decompose.ts';
import { channelTransmission, type Layer } from '#services/core/physics/response.ts';
const D = '/work/runs/tipm/data';
const profs = [...(await folderProfiles(`${D}/sig-src`)), ...(await folderProfiles(`${D}/benign-96cu`))];
for (const mat of ['ivory', 'horn_keratin', 'bone'] as const) {
  for (const bgSteel of [0, 20]) {
    for (const t of [10, 20]) {
      const row: string[] = [];
      for (const p of profs) {
        const r = p.response;
        const dec = decomposerFor(r);
        const a = (layers: Layer[]) => ({ h: -Math.log(channelTransmission(r.high, layers)), l: -Math.log(channelTransmission(r.low!, layers)) });
        const bgL: Layer[] = bgSteel ? [{ material: 'steel', gcm2: bgSteel }] : [];
        const a0 = a(bgL);
        const a1 = a([...bgL, { material: mat, gcm2: t }]);
        const b0 = dec.pixel(a0.h, a0.l);
        const b1 = dec.pixel(a1.h, a1.l);
        row.push(`${p.serial.replace('SIM-', '')}: org ${(b1.organic - b0.organic).toFixed(2)} met ${(b1.metal - b0.metal).toFixed(2)}`);
      }
      console.log(`${mat} ${t} g/cm² behind ${bgSteel} g/cm² steel\n  ${row.join('\n  ')}`);
    }
  }
}
