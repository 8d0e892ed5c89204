/** Plots as PNG (SVG drawn here, rasterised by sharp): ROC curves and example detections. */
import sharp from 'sharp';
import type { RocPoint } from './metrics.ts';

const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e'];

export async function rocPng(file: string, curves: Array<{ label: string; points: RocPoint[]; auc: number }>, title: string, operating?: Array<{ fpr: number; tpr: number; label: string }>): Promise<void> {
  const W = 640;
  const H = 520;
  const m = { l: 70, r: 20, t: 50, b: 60 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  // Log-scaled false-alarm axis from 0.1 % to 100 %: the operating region is at ~1 %.
  const fx = (fpr: number) => m.l + ((Math.log10(Math.max(fpr, 0.001)) + 3) / 3) * pw;
  const fy = (tpr: number) => m.t + (1 - tpr) * ph;
  const parts: string[] = [];
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-family="sans-serif" font-size="17">${title}</text>`);
  for (const f of [0.001, 0.01, 0.1, 1]) {
    parts.push(`<line x1="${fx(f)}" y1="${m.t}" x2="${fx(f)}" y2="${m.t + ph}" stroke="#ddd"/>`);
    parts.push(`<text x="${fx(f)}" y="${m.t + ph + 20}" text-anchor="middle" font-family="sans-serif" font-size="12">${f * 100}%</text>`);
  }
  for (const t of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    parts.push(`<line x1="${m.l}" y1="${fy(t)}" x2="${m.l + pw}" y2="${fy(t)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 8}" y="${fy(t) + 4}" text-anchor="end" font-family="sans-serif" font-size="12">${t.toFixed(2)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 15}" text-anchor="middle" font-family="sans-serif" font-size="13">scan-level false-alarm rate (log scale)</text>`);
  parts.push(`<text x="18" y="${m.t + ph / 2}" transform="rotate(-90 18 ${m.t + ph / 2})" text-anchor="middle" font-family="sans-serif" font-size="13">probability of detection</text>`);
  curves.forEach((c, i) => {
    const col = COLOURS[i % COLOURS.length];
    const pts = c.points.filter((p) => Number.isFinite(p.threshold) || p.fpr > 0).map((p) => `${fx(p.fpr).toFixed(1)},${fy(p.tpr).toFixed(1)}`);
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${col}" stroke-width="2"/>`);
    parts.push(`<text x="${m.l + pw - 10}" y="${m.t + ph - 15 - i * 18}" text-anchor="end" font-family="sans-serif" font-size="13" fill="${col}">${c.label} (AUC ${c.auc.toFixed(4)})</text>`);
  });
  for (const o of operating ?? []) {
    parts.push(`<circle cx="${fx(o.fpr)}" cy="${fy(o.tpr)}" r="5" fill="none" stroke="black" stroke-width="1.5"/>`);
    parts.push(`<text x="${fx(o.fpr) + 8}" y="${fy(o.tpr) + 16}" font-family="sans-serif" font-size="11">${o.label}</text>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(file);
}

export interface ExampleBox {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  colour: string;
  dashed?: boolean;
}

/** A scan's high-energy image (attenuation window, dense = dark) with truth and detection boxes. */
export async function examplePng(file: string, img: { width: number; height: number; data: Uint16Array }, airValue: number, boxes: ExampleBox[], title: string): Promise<void> {
  const att = new Float32Array(img.data.length);
  for (let i = 0; i < att.length; i++) att[i] = -Math.log(Math.max(1e-4, Math.min(1, img.data[i]! / airValue)));
  const sorted = Float32Array.from(att).sort();
  const lo = sorted[Math.floor(sorted.length * 0.01)]!;
  const hi = sorted[Math.floor(sorted.length * 0.995)]!;
  const grey = Buffer.alloc(att.length);
  for (let i = 0; i < att.length; i++) grey[i] = Math.round(255 * (1 - Math.min(1, Math.max(0, (att[i]! - lo) / (hi - lo || 1)))));
  const top = 28;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height + top}">
    <rect width="${img.width}" height="${top}" fill="white"/>
    <text x="6" y="20" font-family="sans-serif" font-size="16">${title.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>
    ${boxes
      .map(
        (b) => `<rect x="${b.x}" y="${b.y + top}" width="${b.width}" height="${b.height}" fill="none" stroke="${b.colour}" stroke-width="3" ${b.dashed ? 'stroke-dasharray="8 5"' : ''}/>
    <text x="${b.x + 2}" y="${Math.max(top + 12, b.y + top - 4)}" font-family="sans-serif" font-size="14" fill="${b.colour}">${b.label}</text>`,
      )
      .join('')}
  </svg>`;
  await sharp(grey, { raw: { width: img.width, height: img.height, channels: 1 } })
    .extend({ top, bottom: 0, left: 0, right: 0, background: '#ffffff' })
    .toColourspace('srgb')
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toFile(file);
}

/** Grouped horizontal bars (rates 0..1): one row per label, one bar per series. */
export async function barsPng(file: string, rows: Array<{ label: string; values: number[] }>, series: string[], title: string): Promise<void> {
  const rowH = 14 * series.length + 12;
  const m = { l: 260, r: 30, t: 60, b: 40 };
  const pw = 420;
  const W = m.l + pw + m.r;
  const H = m.t + rows.length * rowH + m.b;
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-family="sans-serif" font-size="15">${title}</text>`);
  series.forEach((s, i) => parts.push(`<rect x="${m.l + i * 150}" y="36" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/><text x="${m.l + i * 150 + 14}" y="45" font-family="sans-serif" font-size="11">${s}</text>`));
  for (const t of [0, 0.25, 0.5, 0.75, 0.9, 1]) {
    const x = m.l + t * pw;
    parts.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${H - m.b}" stroke="${t === 0.9 ? '#999' : '#ddd'}"${t === 0.9 ? ' stroke-dasharray="4 3"' : ''}/>`);
    parts.push(`<text x="${x}" y="${H - m.b + 16}" text-anchor="middle" font-family="sans-serif" font-size="11">${Math.round(t * 100)}%</text>`);
  }
  rows.forEach((r, k) => {
    const y0 = m.t + k * rowH + 6;
    parts.push(`<text x="${m.l - 8}" y="${y0 + (14 * series.length) / 2 + 4}" text-anchor="end" font-family="sans-serif" font-size="12">${r.label.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`);
    r.values.forEach((v, i) => {
      parts.push(`<rect x="${m.l}" y="${y0 + i * 14}" width="${Math.max(0, Math.min(1, v)) * pw}" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`);
      parts.push(`<text x="${m.l + Math.max(0, Math.min(1, v)) * pw + 4}" y="${y0 + i * 14 + 10}" font-family="sans-serif" font-size="10">${(v * 100).toFixed(1)}%</text>`);
    });
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${parts.join('')}</svg>`;
  await sharp(Buffer.from(svg)).png().toFile(file);
}
