/**
 * The two-basis decomposition must invert the response it was built from, on the FITTED profiles a
 * real calibration gives (few bins, weights not summing to 1), for every scanner family the
 * simulator knows. It did not: on 4/2.5 and 6/3.5 MeV profiles a pixel of nothing but air came
 * back as (−137, +149) g/cm² polyethylene/iron, so the models saw phantom metal on those scanners.
 * This test would have caught that; it prints the worst error per family and the grid's build time.
 */
import { describe, expect, it } from 'vitest';
import { simulateCalibration } from '#adapter/simulator/calibration.ts';
import { SCANNER_FAMILIES, drawScanner } from '#adapter/simulator/scanners.ts';
import { profileFromCalibrationScan } from '#models/evaluation/labelled-scans.ts';
import { Decomposer, GAP_FLOOR } from '#services/core/physics/decompose.ts';
import { nominalResponse } from '#services/core/physics/response.ts';

/** Basis area densities (g/cm² polyethylene, iron) a scan holds: air, organics, metals, mixtures. */
const ORGANIC = [0, 1, 3, 8, 20, 50, 120, 250];
const METAL = { linac: [0, 0.5, 2, 5, 12, 30, 60], tube: [0, 0.1, 0.3, 1, 2, 4] } as const;
/** Attenuation above which a reading is treated as saturated (the models' minimum transmission is 1e-4). */
const A_SATURATED = 9;

describe('two-basis decomposition on fitted calibration profiles', () => {
  it('gives back the basis area densities it is given, for every scanner family (two scanners each)', () => {
    const rows: string[] = [];
    const failures: string[] = [];
    for (const family of SCANNER_FAMILIES) {
      for (const seed of [3, 4]) {
        const scanner = drawScanner(seed, family.id);
        const profile = profileFromCalibrationScan(simulateCalibration(scanner, seed * 10), scanner.serial);
        expect(profile, `${family.id} profile fits`).toBeTruthy();
        const t0 = performance.now();
        const d = new Decomposer(profile!);
        const buildMs = performance.now() - t0;
        let worstO = 0;
        let worstM = 0;
        let checked = 0;
        let shrunk = 0;
        for (const o of ORGANIC) {
          for (const m of METAL[family.kind]) {
            const a = d.forward(o, m);
            if (a.high > A_SATURATED || a.low! > A_SATURATED) continue;
            checked++;
            const back = d.pixel(a.high, a.low);
            const eo = Math.abs(back.organic - o);
            const em = Math.abs(back.metal - m);
            if (Math.abs(d.gapAt(a.high)) >= 2 * GAP_FLOOR) {
              // The energies tell the materials apart here: each basis back within 2 % of the total plus a floor.
              worstO = Math.max(worstO, eo);
              worstM = Math.max(worstM, em);
              const tol = 0.3 + 0.02 * (o + m);
              if (eo > tol || em > tol) failures.push(`${scanner.serial} (${o}, ${m}) → (${back.organic.toFixed(2)}, ${back.metal.toFixed(2)})`);
            } else {
              // They do not (near air, or where the lines cross): the split leans organic, the mass stays.
              shrunk++;
              const mass = back.organic + back.metal;
              if (Math.abs(mass - (o + m)) > 0.3 + 0.15 * (o + m)) failures.push(`${scanner.serial} (${o}, ${m}) mass → ${mass.toFixed(2)} (gap ${d.gapAt(a.high).toFixed(4)})`);
            }
          }
        }
        expect(checked).toBeGreaterThan(20);
        // Every reachable grid node is solved (the lookup interpolates between them): its residual in attenuation units.
        if (!(d.gridResidualMax < 1e-3)) failures.push(`${scanner.serial} grid node left with residual ${d.gridResidualMax}`);
        rows.push(`${family.id.padEnd(17)} ${scanner.serial}: worst |Δ| organic ${worstO.toFixed(3)} metal ${worstM.toFixed(3)} g/cm² over ${checked - shrunk} points (${shrunk} near air or where the lines cross: mass only); grid ${buildMs.toFixed(0)} ms, node residual ≤ ${d.gridResidualMax.toExponential(1)}`);
      }
    }
    console.log(`[decompose]\n${rows.join('\n')}`);
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
  }, 300_000);

  it('keeps noise near air small instead of turning it into tens of g/cm² of either basis', () => {
    const scanner = drawScanner(3, 'linac-4/2.5-fe');
    const d = new Decomposer(profileFromCalibrationScan(simulateCalibration(scanner, 30), scanner.serial)!);
    const air = d.forward(0, 0);
    let worst = 0;
    for (const dh of [-0.01, -0.003, 0, 0.003, 0.01]) {
      for (const dl of [-0.01, -0.003, 0, 0.003, 0.01]) {
        const v = d.pixel(air.high + dh, air.low! + dl);
        worst = Math.max(worst, Math.abs(v.organic) + Math.abs(v.metal));
      }
    }
    console.log(`[decompose] ${scanner.serial}: air ± 0.01 attenuation → at most ${worst.toFixed(2)} g/cm² in total`);
    expect(worst).toBeLessThan(3);
  }, 60_000);

  it('is monotone along iron: more iron never reads as less metal, nor as less mass where the lines cross', () => {
    for (const [source, top] of [[{ kind: 'linac', highMeV: 6, lowMeV: 4 }, 40], [{ kind: 'linac', highMeV: 9, lowMeV: 6 }, 40], [{ kind: 'tube', highKVp: 160, lowKVp: 80 }, 4], [{ kind: 'linac', highMeV: 4, lowMeV: 2.5 }, 40]] as const) {
      const d = new Decomposer(nominalResponse(source));
      for (const o of [0, 10, 60]) {
        let prev = { metal: -Infinity, mass: -Infinity };
        for (let k = 0; k <= 80; k++) {
          const m = (k * top) / 80;
          const a = d.forward(o, m);
          if (a.high > A_SATURATED || a.low! > A_SATURATED) break;
          const v = d.pixel(a.high, a.low);
          const now = { metal: v.metal, mass: v.organic + v.metal };
          const what = `${JSON.stringify(source)} organic ${o}, iron ${m}`;
          if (Math.abs(d.gapAt(a.high)) >= GAP_FLOOR) expect(now.metal, what).toBeGreaterThan(prev.metal);
          expect(now.mass, what).toBeGreaterThan(prev.mass);
          prev = now;
        }
      }
    }
  }, 60_000);
});
