// Diagnostic (README "Why projected ivory is not seen as ivory"): why extraction (`npm run tip`'s checks) kept or rejected each ivory object of
// /work/runs/tipm/data/sig-src, split by whole tusk / cut piece (truth notes). Run from the repository root:
// npx tsx docs/evaluation/tip-finetune/masks/scripts/rejections.ts
import { packageScans } from '#models/evaluation/labelled-scans.ts';
import { extractSignatures } from '#models/tip/tip.ts';
const tally = new Map<string, number>();
for await (const scan of packageScans('/work/runs/tipm/data/sig-src')) {
  const r = extractSignatures({ metadata: scan.metadata, images: scan.images, response: scan.response, truth: scan.truth });
  const form = (id: string): string => (/whole tusk/.test(scan.truth.objects.find((o) => o.id === id)?.notes ?? '') ? 'whole' : 'cut');
  const ivory = new Set(scan.truth.objects.filter((o) => o.class === 'ivory').map((o) => o.id));
  const add = (k: string): void => void tally.set(k, (tally.get(k) ?? 0) + 1);
  for (const s of r.signatures) for (const m of s.members) if (ivory.has(m.objectId)) add(`${form(m.objectId)}\tkept`);
  for (const s of r.skipped) {
    const reason = s.reason.replace(/obj-\d+/g, 'obj').replace(/-?\d[\d.]*/g, '#').replace(/\(obj: .*/, '(…)');
    for (const id of s.objectId.split('+')) if (ivory.has(id)) add(`${form(id)}\t${reason}`);
  }
}
for (const [k, n] of [...tally].sort()) console.log(`${String(n).padStart(4)}  ${k}`);
