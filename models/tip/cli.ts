/**
 * Threat image projection CLI: labelled training packages for an agency's own scanner, made from
 * its benign scans and threat signatures cut out of labelled scans (physics in ./tip.ts,
 * docs/models.md "Threat image projection").
 *
 *   npm run tip -- --signatures DIR --into DIR --out DIR [--per-scan N|A..B] [--count N] [--seed S]
 *                  [--classes ivory,rhino_horn] [--sheet FILE.png] [--exclude N|ID,…]
 *
 * --signatures  labelled packages (truth.json) to cut signatures from; calibration packages in the
 *               folder give their scanners' responses (models/evaluation/labelled-scans.ts).
 * --into        benign target packages (truth.json optional; a target with ivory/rhino horn in its
 *               truth is skipped); calibration packages in it are fitted the same way, and copied to
 *               --out so that readers of --out (npm run dataset/eval) use the same responses.
 * --out         new packages tip-<target>-<k>/ (target's scanner, source, spacing, manifest; truth =
 *               target truth + projected objects, each with its mask masks/<objectId>.png: the
 *               pixels its projection altered, so training does not fill its box; docs/scan-package.md).
 * --per-scan    signatures per output scan, 1..3, or a range A..B drawn per scan (default 1); touching
 *               items cut out together are one signature (each keeps its own truth object).
 * --classes     item classes to cut out and project (default ivory,rhino_horn).
 * --count       output scans (default: one per usable target); targets are cycled.
 * --sheet       writes a contact sheet of the signatures (area density over background, numbered):
 *               the automatic checks reject most cut-outs polluted by the cargo around them, not
 *               all, so look at it before training on the output.
 * --exclude     signatures to leave out, by number on the --sheet of the same --signatures/--classes,
 *               or by id (scanId/obj-…), comma-separated.
 * Same arguments ⇒ same bytes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { TruthClass } from '#adapter/scan-package/types.ts';
import { Rng } from '#adapter/simulator/prng.ts';
import { nominalResponse } from '#services/core/physics/response.ts';
import { isMain } from '#services/core/is-main.ts';
import { packageScans } from '../evaluation/labelled-scans.ts';
import { DEFAULT_TIP_CLASSES, ITEM_CLASSES, extractSignatures, folderProfiles, listTargets, loadTarget, profileFor, projectIntoScan, writeTipPackage, type Signature } from './tip.ts';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`error: ${msg}\n`);
  process.stderr.write(
    'usage: npm run tip -- --signatures DIR --into DIR --out DIR [--per-scan N|A..B (1..3)] [--count N] [--seed S] [--classes ivory,rhino_horn]\n' +
      '                      [--sheet FILE.png] [--exclude N|ID,…]\n',
  );
  process.exit(2);
}

/** Contact sheet: each signature's area density (organic + metal), scaled to its own peak, numbered. */
async function writeSheet(file: string, signatures: Signature[]): Promise<void> {
  const TW = 220;
  const TH = 150;
  const COLS = 6;
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const tiles = await Promise.all(
    signatures.map(async (s, i) => {
      let peak = 1e-6;
      for (let q = 0; q < s.mask.length; q++) peak = Math.max(peak, s.organic[q]! + s.metal[q]!);
      const px = Buffer.alloc(s.width * s.height);
      for (let q = 0; q < px.length; q++) px[q] = s.mask[q] ? Math.max(0, Math.min(255, 40 + ((s.organic[q]! + s.metal[q]!) / peak) * 215)) : 0;
      // Physical aspect: stretch y by the pixel aspect ratio.
      const hPhys = Math.max(1, Math.round((s.height * s.pixelSpacingMm.y) / s.pixelSpacingMm.x));
      const img = await sharp(px, { raw: { width: s.width, height: s.height, channels: 1 } })
        .resize({ width: s.width, height: hPhys, fit: 'fill' })
        .resize({ width: TW, height: TH - 18, fit: 'contain', background: '#000' })
        .png()
        .toBuffer();
      const label = Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${TW}" height="18"><rect width="${TW}" height="18" fill="#222"/>` +
          `<text x="3" y="13" font-family="sans-serif" font-size="11" fill="#ff0">${i + 1} ${esc(s.class)} ${(s.massG / 1000).toFixed(1)} kg ${esc(s.id)}</text></svg>`,
      );
      const left = (i % COLS) * TW;
      const top = Math.floor(i / COLS) * TH;
      return [
        { input: label, left, top },
        { input: img, left, top: top + 18 },
      ];
    }),
  );
  await sharp({ create: { width: COLS * TW, height: Math.max(1, Math.ceil(signatures.length / COLS)) * TH, channels: 3, background: '#000' } })
    .composite(tiles.flat())
    .png()
    .toFile(file);
}

const fmtS = (s: number): string => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        signatures: { type: 'string' },
        into: { type: 'string' },
        out: { type: 'string' },
        'per-scan': { type: 'string', default: '1' },
        count: { type: 'string' },
        seed: { type: 'string', default: '1' },
        classes: { type: 'string', default: DEFAULT_TIP_CLASSES.join(',') },
        sheet: { type: 'string' },
        exclude: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  if (!values.signatures || !values.into || !values.out) usage('--signatures, --into and --out are required');
  if (path.resolve(values.out) === path.resolve(values.into)) usage('--out must differ from --into');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) usage('--seed must be an integer');
  const range = values['per-scan']!.split('..').map(Number);
  const [perLo, perHi] = range.length === 1 ? [range[0]!, range[0]!] : [range[0]!, range[1]!];
  if (range.length > 2 || !Number.isInteger(perLo) || !Number.isInteger(perHi) || perLo < 1 || perHi > 3 || perLo > perHi) usage('--per-scan must be 1..3 or a range A..B within 1..3');
  const classes = values.classes!.split(',').map((c) => c.trim()).filter(Boolean) as TruthClass[];
  const bad = classes.filter((c) => !ITEM_CLASSES.includes(c));
  if (!classes.length || bad.length) usage(`class(es) that cannot be projected: ${bad.join(', ') || '(none given)'} (items only: ${ITEM_CLASSES.join(', ')})`);

  // 1. Signatures.
  const t0 = performance.now();
  const all: Signature[] = [];
  const skipped = new Map<string, number>();
  let sourceScans = 0;
  for await (const scan of packageScans(values.signatures)) {
    sourceScans++;
    const r = extractSignatures({ metadata: scan.metadata, images: scan.images, response: scan.response, truth: scan.truth }, { classes });
    all.push(...r.signatures);
    for (const s of r.skipped) {
      const key = s.reason.replace(/obj-\d+/g, 'obj').replace(/-?\d[\d.]*/g, '#');
      skipped.set(key, (skipped.get(key) ?? 0) + 1);
    }
    if (sourceScans % 25 === 0) process.stderr.write(`[tip] signatures: ${sourceScans} labelled scans read, ${all.length} signatures\n`);
  }
  if (values.sheet) {
    await writeSheet(values.sheet, all);
    process.stderr.write(`[tip] contact sheet of ${all.length} signature(s): ${path.resolve(values.sheet)}\n`);
  }
  const excluded = new Set((values.exclude ?? '').split(',').map((x) => x.trim()).filter(Boolean));
  const signatures = all.filter((s, i) => !excluded.has(s.id) && !excluded.has(String(i + 1)));
  if (excluded.size) process.stderr.write(`[tip] ${all.length - signatures.length} signature(s) excluded by --exclude\n`);
  const byClass = new Map<string, number>();
  for (const s of all) byClass.set(`${s.sourceKind}/${s.class}`, (byClass.get(`${s.sourceKind}/${s.class}`) ?? 0) + 1);
  process.stderr.write(
    `[tip] ${all.length} signature(s) from ${sourceScans} labelled scan(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
      ([...byClass].map(([k, n]) => `${k} ${n}`).join(', ') || 'none') +
      '\n',
  );
  for (const [reason, n] of skipped) process.stderr.write(`[tip]   rejected ${n} cut-out(s): ${reason}\n`);
  if (!signatures.length) throw new Error(`no signature of ${classes.join(', ')} could be cut from ${values.signatures}`);

  // 2. Targets.
  const profiles = await folderProfiles(values.into);
  const listed = await listTargets(values.into);
  const kinds = new Set(signatures.map((s) => s.sourceKind));
  const targets = listed.targets.filter((t) => kinds.has(t.kind));
  const wrongKind = listed.targets.length - targets.length;
  process.stderr.write(
    `[tip] ${targets.length} target(s) in ${values.into}` +
      (listed.notBenign ? `; ${listed.notBenign} skipped (contraband in truth)` : '') +
      (wrongKind ? `; ${wrongKind} skipped (no signature of their source kind)` : '') +
      (listed.unreadable ? `; ${listed.unreadable} folder(s) without scan.json` : '') +
      `; ${profiles.length} calibration profile(s)\n`,
  );
  if (!targets.length) throw new Error(`no usable target package in ${values.into}`);
  const count = values.count === undefined ? targets.length : Number(values.count);
  if (!Number.isInteger(count) || count < 1) usage('--count must be a positive integer');

  // 3. Projection.
  await fs.mkdir(values.out, { recursive: true });
  const usedProfiles = new Set<string>();
  const tStart = performance.now();
  const every = Math.max(1, Math.min(25, Math.round(count / 20)));
  let objects = 0;
  let labelled = 0;
  let unplaced = 0;
  let written = 0;
  for (let k = 0; k < count; k++) {
    const entry = targets[k % targets.length]!;
    const target = await loadTarget(entry.dir, profiles, (m) => nominalResponse(m.source));
    const prof = profileFor(profiles, target.metadata);
    if (prof) usedProfiles.add(prof.dir);
    const n = perLo === perHi ? perLo : new Rng(seed, k, 0x9e7).int(perLo, perHi);
    const r = projectIntoScan(target, signatures, { count: n, k, seed });
    objects += r.projected.length;
    labelled += r.projected.reduce((n, p) => n + p.memberBoxes.filter((b) => b.width > 0).length, 0);
    unplaced += r.unplaced;
    if (r.projected.length) {
      await writeTipPackage(path.join(values.out, r.metadata.scanId), r);
      written++;
    } else {
      process.stderr.write(`[tip] ${entry.scanId}: no plausible place for any object; nothing written\n`);
    }
    if ((k + 1) % every === 0 || k === count - 1) {
      const el = (performance.now() - tStart) / 1000;
      const eta = (el / (k + 1)) * (count - k - 1);
      process.stderr.write(`[tip] ${k + 1}/${count} scans, ${objects} signature(s) projected, ${((el / (k + 1)) * 1000).toFixed(0)} ms/scan, ETA ${fmtS(eta)}\n`);
    }
  }
  // 4. The targets' calibration packages, so readers of --out use the same responses.
  for (const dir of usedProfiles) {
    const dest = path.join(values.out, path.basename(dir));
    if (path.resolve(dest) !== path.resolve(dir)) await fs.cp(dir, dest, { recursive: true, force: true });
  }
  process.stderr.write(
    `[tip] done: ${written} package(s), ${objects} signature(s) projected (${labelled} labelled object(s))` +
      (unplaced ? `, ${unplaced} signature(s) found no plausible place` : '') +
      (usedProfiles.size ? `, ${usedProfiles.size} calibration package(s) copied` : '') +
      ` → ${path.resolve(values.out)} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
  );
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`tip failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
