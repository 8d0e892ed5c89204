import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { massAttenuation, sourceSpectrum, type MaterialId } from '#adapter/simulator/index.ts';
import { Scene } from '#adapter/simulator/raster.ts';
import { quantise, transmissions } from '#adapter/simulator/detector.ts';
import { Rng } from '#adapter/simulator/prng.ts';

// Independent reader of the NIST CSVs (verbatim copies of the reference tables).
const NIST_DIR = new URL('../../services/core/physics/data/nist/', import.meta.url);
function table(file: string): Array<[number, number]> {
  return readFileSync(new URL(file, NIST_DIR), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split(',').map(Number) as [number, number]);
}
function mu(rows: Array<[number, number]>, e: number): number {
  let i = -1;
  for (let k = 0; k < rows.length; k++) if (rows[k]![0] <= e) i = k; // last row ≤ e (upper value at an edge)
  const [e0, m0] = rows[i]!;
  const [e1, m1] = rows[i + 1]!;
  if (e === e0) return m0;
  return Math.exp(Math.log(m0) + (Math.log(e / e0) / Math.log(e1 / e0)) * (Math.log(m1) - Math.log(m0)));
}
// Ivory/dentine proxy composition from the reference mixtures.md
const IVORY: Record<string, number> = { z08: 0.4204, z20: 0.2793, z15: 0.1295, z06: 0.1013, z07: 0.0343, z01: 0.0253, z16: 0.01 };
const ref: Record<string, (e: number) => number> = {
  water: (e) => mu(table('water.csv'), e),
  steel: (e) => mu(table('z26.csv'), e),
  ivory: (e) => Object.entries(IVORY).reduce((s, [z, w]) => s + w * mu(table(`${z}.csv`), e), 0),
};

describe('NIST mass attenuation', () => {
  it('matches NIST grid points (monoenergetic)', () => {
    expect(massAttenuation('water', 1.0)).toBeCloseTo(0.07072, 4);
    expect(massAttenuation('steel', 0.1)).toBeCloseTo(0.3717, 4);
    expect(massAttenuation('steel', 1.0)).toBeCloseTo(0.05995, 5);
    // mixture-rule ivory vs mixtures.md (COMPUTED table): 60 keV 0.3454, 4 MeV 0.03256
    expect(massAttenuation('ivory', 0.06)).toBeCloseTo(0.3454, 3);
    expect(massAttenuation('ivory', 4)).toBeCloseTo(0.03256, 4);
    // cortical bone from its ICRU-44 composition vs the NIST compound table
    expect(massAttenuation('bone', 1.0)).toBeCloseTo(mu(table('bone.csv'), 1.0), 4);
  });

  it('takes the value above an absorption edge', () => {
    // Fe K edge at 7.112 keV: 5.319e+01 below, 4.076e+02 above
    expect(massAttenuation('steel', 0.007112)).toBeCloseTo(407.6, 1);
  });
});

describe('polychromatic slab transmission', () => {
  const cases: Array<[MaterialId, number, number]> = [
    // material, density, thickness cm
    ['water', 1.0, 30],
    ['steel', 7.87, 5],
    ['ivory', 1.85, 10],
  ];
  for (const kind of ['linac', 'tube'] as const) {
    for (const channel of ['high', 'low'] as const) {
      for (const [mat, rho, cm] of cases) {
        const t = kind === 'tube' && mat === 'steel' ? 0.3 : kind === 'tube' ? cm / 5 : cm;
        it(`${kind}/${channel}: ${t} cm ${mat}`, () => {
          const spec = sourceSpectrum(kind, channel);
          expect(spec.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
          const expected = spec.energiesMeV.reduce((s, e, i) => s + spec.weights[i]! * Math.exp(-ref[mat]!(e) * rho * t), 0);
          const W = 64;
          const H = 64;
          const scene = new Scene(W, H, 1, 1, false);
          scene.box(mat, rho, 0, W, 0, H, t);
          const [T] = transmissions(scene.maps, W * H, [spec]);
          // water: simulator uses the mixture rule (H, O tables), the test the NIST compound table → ≤ 0.5 % apart
          expect(Math.abs(T![100]! - expected) / expected).toBeLessThan(mat === 'water' ? 5e-3 : 1e-6);
          // through the detector: Poisson noise at high dose, 16-bit quantisation against airValue
          const dose = 1e6;
          const q = quantise(T!, dose, 60000, new Rng(1));
          const mean = q.reduce((a, b) => a + b, 0) / q.length / 60000;
          const sigma = Math.sqrt(expected / dose / q.length) + 1 / 60000;
          expect(Math.abs(mean - expected)).toBeLessThan(5 * sigma + 5e-3 * expected);
        });
      }
    }
  }
});
