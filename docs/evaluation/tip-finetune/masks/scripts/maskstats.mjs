import fs from 'node:fs'; import path from 'node:path'; import sharp from 'sharp';
const D = '/work/runs/tipm/data/tip-96cu';
const r = { ivory: [], rhino_horn: [] }; let on = 0, ba = 0;
for (const name of fs.readdirSync(D).sort()) {
  const t = path.join(D, name, 'truth.json'); if (!fs.existsSync(t)) continue;
  for (const o of JSON.parse(fs.readFileSync(t, 'utf8')).objects) {
    if (o.concealment !== 'tip') continue;
    const { data } = await sharp(path.join(D, name, o.mask)).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    let n = 0; for (const v of data) if (v) n++;
    const b = o.boundingBox.width * o.boundingBox.height; on += n; ba += b; r[o.class].push(n / b);
  }
}
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(p * (s.length - 1))].toFixed(2); };
console.log('overall mask/box', (on / ba).toFixed(3));
for (const [c, a] of Object.entries(r)) console.log(c, a.length, 'median', q(a, 0.5), 'p10', q(a, 0.1), 'p90', q(a, 0.9));
