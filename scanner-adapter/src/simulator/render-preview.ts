/**
 * Renders a montage of simulated scans with truth boxes: docs/images/simulated-scans.png.
 *   npx tsx scanner-adapter/src/simulator/render-preview.ts [out.png]
 * Grey level = log attenuation of the high channel; tint from the dual-energy ratio R = L_low/L_high
 * (orange = organic-like high R, green = intermediate, blue = metal-like low R). Boxes: red = contraband,
 * yellow = look-alikes, thin cyan = cargo/timber.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';
import { simulateScan, type SimulateOptions, type SimulatedScan } from './index.ts';
import { attenuation } from '#services/core/imaging.ts';

const CONTRABAND = new Set(['ivory', 'rhino_horn']);

function findScan(base: SimulateOptions, want: (s: SimulatedScan) => boolean, tries = 40): SimulatedScan {
  for (let i = 0; i < tries; i++) {
    const s = simulateScan({ ...base, index: (base.index ?? 0) + i });
    if (want(s)) return s;
  }
  return simulateScan(base);
}

/** RGB rendering at full resolution. */
export function renderRgb(s: SimulatedScan): Buffer {
  const n = s.width * s.height;
  const air = s.metadata.airValue;
  const rgb = Buffer.alloc(n * 3);
  const isLinac = s.metadata.source.kind === 'linac';
  const Lmax = isLinac ? 9.5 : 7;
  // ratio thresholds (polychromatic) chosen by eye for the two source kinds
  const [rMetal, rOrganic] = isLinac ? [1.155, 1.178] : [1.5, 2.3];
  for (let p = 0; p < n; p++) {
    const Lh = attenuation(s.high[p]!, air);
    const Ll = attenuation(s.low[p]!, air);
    const g = Math.max(0, Math.min(1, 1 - Math.log1p(Math.max(0, Lh) * 2) / Math.log1p(Lmax * 2)));
    let r = g;
    let gg = g;
    let b = g;
    if (Lh > 0.4 && Lh < Lmax * 0.85) {
      const R = Ll / Lh;
      const k = 0.55;
      if (R > (isLinac ? rOrganic : 1e9) || (!isLinac && R < rMetal)) {
        // organic (linac: high R) / (tube: low R) → orange
        r = g;
        gg = g * (1 - 0.35 * k);
        b = g * (1 - 0.8 * k);
      } else if (isLinac ? R < rMetal : R > rOrganic) {
        r = g * (1 - 0.7 * k);
        gg = g * (1 - 0.4 * k);
        b = g;
      } else {
        r = g * (1 - 0.6 * k);
        gg = g;
        b = g * (1 - 0.6 * k);
      }
    }
    rgb[p * 3] = Math.round(255 * r);
    rgb[p * 3 + 1] = Math.round(255 * gg);
    rgb[p * 3 + 2] = Math.round(255 * b);
  }
  return rgb;
}

async function panel(s: SimulatedScan, title: string, targetW: number): Promise<{ buf: Buffer; w: number; h: number }> {
  const scale = targetW / s.width;
  const w = targetW;
  const h = Math.round(s.height * scale);
  const base = await sharp(renderRgb(s), { raw: { width: s.width, height: s.height, channels: 3 } })
    .resize(w, h, { kernel: 'lanczos3' })
    .png()
    .toBuffer();
  const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const boxes = s.truth.objects
    .map((o) => {
      const c = CONTRABAND.has(o.class) ? '#ff2020' : o.class === 'cargo' || o.class === 'timber' || o.class === 'machinery' ? '#20c0ff' : '#ffd000';
      const sw = CONTRABAND.has(o.class) ? 2 : 1;
      const bx = o.boundingBox;
      const label = CONTRABAND.has(o.class) || c === '#ffd000' ? `<text x="${(bx.x * scale).toFixed(1)}" y="${Math.max(10, bx.y * scale - 2).toFixed(1)}" font-size="10" font-family="sans-serif" fill="${c}">${esc(o.class + (o.concealment !== 'open' ? ' / ' + o.concealment : ''))}</text>` : '';
      const dash = c === '#20c0ff' ? ' stroke-dasharray="3,3" stroke-opacity="0.6"' : '';
      return `<rect x="${(bx.x * scale).toFixed(1)}" y="${(bx.y * scale).toFixed(1)}" width="${(bx.width * scale).toFixed(1)}" height="${(bx.height * scale).toFixed(1)}" fill="none" stroke="${c}" stroke-width="${sw}"${dash}/>${label}`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h + 18}"><rect x="0" y="0" width="${w}" height="18" fill="#222"/><text x="4" y="13" font-size="12" font-family="sans-serif" fill="#fff">${esc(title)}</text><g transform="translate(0,18)">${boxes}</g></svg>`;
  const buf = await sharp({ create: { width: w, height: h + 18, channels: 3, background: '#222' } })
    .composite([
      { input: base, top: 18, left: 0 },
      { input: Buffer.from(svg), top: 0, left: 0 },
    ])
    .png()
    .toBuffer();
  return { buf, w, h: h + 18 };
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? path.join('docs', 'images', 'simulated-scans.png');
  const has = (s: SimulatedScan, cls: string, conc?: string): boolean => s.truth.objects.some((o) => o.class === cls && (!conc || o.concealment === conc));
  const forty = (s: SimulatedScan): boolean => s.width > 2000;
  const scans: Array<[SimulatedScan, string]> = [];
  const a = findScan({ seed: 7, scenario: 'ivory' }, (s) => forty(s) && has(s, 'ivory', 'in_log'));
  scans.push([a, `${a.metadata.scanId}: ivory in hollowed log (6/4 MeV linac, 40' container)`]);
  const b = findScan({ seed: 8, scenario: 'rhino_horn' }, (s) => has(s, 'rhino_horn', 'among_horns'));
  scans.push([b, `${b.metadata.scanId}: rhino horn among cattle horns`]);
  const c = findScan({ seed: 9, scenario: 'cites_timber' }, (s) => forty(s) && s.truth.objects.filter((o) => o.class === 'timber').length > 3);
  scans.push([c, `${c.metadata.scanId}: CITES timber (${c.truth.objects.find((o) => o.class === 'timber')?.species}) — ${c.truth.manifestTruth.notes[0] ?? ''}`]);
  const d = findScan({ seed: 10, scenario: 'benign' }, (s) => forty(s) && s.truth.objects.some((o) => o.class === 'machinery'));
  scans.push([d, `${d.metadata.scanId}: benign mixed cargo`]);
  const e = findScan({ seed: 11, scenario: 'ivory', source: 'tube', conveyance: 'pallet' }, () => true);
  const f = findScan({ seed: 12, scenario: 'rhino_horn', source: 'tube', conveyance: 'parcel' }, () => true);

  const W = 1240;
  const panels = [];
  for (const [s, t] of scans) panels.push(await panel(s, t, W));
  const p5 = await panel(e, `${e.metadata.scanId}: ivory on pallet (160/80 kVp)`, W / 2 - 4);
  const p6 = await panel(f, `${f.metadata.scanId}: parcel (160/80 kVp)`, W / 2 - 4);
  const totalH = panels.reduce((s, p) => s + p.h + 6, 0) + Math.max(p5.h, p6.h);
  const comps: Array<{ input: Buffer; top: number; left: number }> = [];
  let y = 0;
  for (const p of panels) {
    comps.push({ input: p.buf, top: y, left: 0 });
    y += p.h + 6;
  }
  comps.push({ input: p5.buf, top: y, left: 0 }, { input: p6.buf, top: y, left: W / 2 + 4 });
  mkdirSync(path.dirname(out), { recursive: true });
  await sharp({ create: { width: W, height: totalH, channels: 3, background: '#000' } }).composite(comps).png().toFile(out);
  process.stderr.write(`wrote ${out} (${W}×${totalH})\n`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('render-preview.ts')) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  });
}
