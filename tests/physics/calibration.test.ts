/**
 * The calibration fit and the two-basis decomposition against the physics itself: a scanner whose
 * true spectrum, filtration and detector differ from nominal is measured through known blocks; the
 * fitted profile must reproduce those blocks, and objects seen through different scanners must come
 * out as (nearly) the same basis area densities — the point of scanner-independent inputs.
 */
import { describe, expect, it } from 'vitest';
import { fitCalibration, regionAreaDensity, calibrationMaterial, type RegionMeasurement, type CalibrationMaterial } from '#services/core/physics/calibration.ts';
import { decomposerFor } from '#services/core/physics/decompose.ts';
import { channelTransmission, nominalResponse, responseFromPhysics, type Layer, type ScannerResponse } from '#services/core/physics/response.ts';
import type { DeclaredSource, ScannerPhysics } from '#services/core/physics/spectrum.ts';

const linacBlocks: Array<[CalibrationMaterial, number]> = [
  ['air', 0], ['polyethylene', 50], ['polyethylene', 150], ['polyethylene', 300], ['water', 100], ['graphite', 100],
  ['aluminium', 20], ['aluminium', 60], ['aluminium', 150], ['iron', 10], ['iron', 40], ['iron', 100], ['iron', 160], ['copper', 20], ['lead', 10], ['lead', 40],
];

function ch(endpointMeV: number, filterCm: number, det: ScannerPhysics['high']['detector']): ScannerPhysics['high'] {
  return { endpointMeV, filtration: [{ material: 'steel', cm: filterCm }], detector: det };
}

const scanners: Array<{ name: string; declared: DeclaredSource; physics: ScannerPhysics }> = [
  { name: '6/4 MeV nominal', declared: { kind: 'linac', highMeV: 6, lowMeV: 4 }, physics: { kind: 'linac', high: ch(6, 1.5, { material: 'steel', cm: 3 }), low: ch(4, 1.5, { material: 'steel', cm: 3 }) } },
  { name: '9/6 MeV lead detector', declared: { kind: 'linac', highMeV: 9, lowMeV: 6 }, physics: { kind: 'linac', high: ch(9.2, 1.0, { material: 'lead', cm: 1.2 }), low: ch(5.9, 1.0, { material: 'lead', cm: 1.2 }) } },
  { name: '6/4 MeV copper detector', declared: { kind: 'linac', highMeV: 6, lowMeV: 4 }, physics: { kind: 'linac', high: ch(6.1, 2.2, { material: 'copper', cm: 2 }), low: ch(3.9, 2.2, { material: 'copper', cm: 2 }) } },
];

/** What a noise-free scan of the phantom measures through the true response. */
function measure(truth: ScannerResponse, blocks: Array<[CalibrationMaterial, number]>, lie?: { index: number; thicknessMm: number }): RegionMeasurement[] {
  return blocks.map(([material, thicknessMm], i) => {
    const m = calibrationMaterial(material);
    const imaged = lie && lie.index === i ? lie.thicknessMm : thicknessMm;
    const layers: Layer[] = m ? [{ material: m, gcm2: regionAreaDensity({ material, thicknessMm: imaged }) }] : [];
    const a = (c: ScannerResponse['high']) => -Math.log(channelTransmission(c, layers));
    return { material, thicknessMm, attenuation: { high: a(truth.high), low: a(truth.low!) }, stdError: { high: 0.002, low: 0.002 }, pixels: 400 };
  });
}

function attenuations(r: ScannerResponse, layers: Layer[]): [number, number] {
  return [-Math.log(channelTransmission(r.high, layers)), -Math.log(channelTransmission(r.low!, layers))];
}

describe('calibration fit', () => {
  it('reproduces every block of a scanner that is not nominal, where the nominal response does not', () => {
    const s = scanners[1]!;
    const truth = responseFromPhysics(s.physics);
    const regions = measure(truth, linacBlocks);
    const fit = fitCalibration(s.declared, regions);
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.maxResidual).toBeLessThan(0.01);
    // The nominal 9/6 response misses the lead block by far more than the tolerance.
    const nominal = nominalResponse(s.declared);
    const lead = regions.find((r) => r.material === 'lead' && r.thicknessMm === 40)!;
    const nominalA = -Math.log(channelTransmission(nominal.low!, [{ material: 'lead', gcm2: regionAreaDensity(lead) }]));
    expect(Math.abs(nominalA - lead.attenuation.low!)).toBeGreaterThan(0.05);
  });

  it('refuses a phantom whose declared thickness contradicts its image, naming the block', () => {
    const s = scanners[0]!;
    const truth = responseFromPhysics(s.physics);
    const fit = fitCalibration(s.declared, measure(truth, linacBlocks, { index: 10, thicknessMm: 100 })); // iron 40 mm imaged as 100 mm
    expect(fit.ok).toBe(false);
    if (fit.ok) return;
    expect(fit.reason).toMatch(/out of tolerance: iron 40 mm/);
    // The other blocks still fit: one bad block does not drag the whole profile off.
    const others = fit.residuals.filter((r) => !(r.material === 'iron' && r.thicknessMm === 40));
    expect(others.filter((r) => Math.abs(r.residual) > r.tolerance).length).toBeLessThanOrEqual(2);
    expect(fit.residuals.length).toBe(linacBlocks.length * 2);
  });

  it('refuses too few regions or a phantom without metal', () => {
    const truth = responseFromPhysics(scanners[0]!.physics);
    const all = measure(truth, linacBlocks);
    expect(fitCalibration(scanners[0]!.declared, all.slice(0, 4)).ok).toBe(false);
    const noMetal = fitCalibration(scanners[0]!.declared, all.filter((r) => !['aluminium', 'iron', 'copper', 'lead'].includes(r.material)));
    expect(noMetal.ok ? '' : noMetal.reason).toMatch(/metal/);
  });
});

describe('two-basis decomposition', () => {
  it('inverts its own forward model', () => {
    const d = decomposerFor(nominalResponse({ kind: 'linac', highMeV: 6, lowMeV: 4 }));
    for (const [o, m] of [[10, 0], [30, 2], [60, 15], [5, 40]] as const) {
      const a = d.forward(o, m);
      const back = d.pixel(a.high, a.low);
      expect(back.organic).toBeCloseTo(o, 0);
      expect(back.metal).toBeCloseTo(m, 0);
    }
  }, 120_000);

  it('gives the same area densities for the same object on three different scanners once each is calibrated', () => {
    const objects: Array<[string, Layer[]]> = [
      ['wood 30 g/cm²', [{ material: 'wood', gcm2: 30 }]],
      ['ivory 8 g/cm² in wood 30', [{ material: 'wood', gcm2: 30 }, { material: 'ivory', gcm2: 8 }]],
      ['steel 20 g/cm²', [{ material: 'steel', gcm2: 20 }]],
    ];
    const results = scanners.map((s, k) => {
      const truth = responseFromPhysics(s.physics);
      const fit = fitCalibration(s.declared, measure(truth, linacBlocks));
      if (!fit.ok) throw new Error(fit.reason);
      const d = decomposerFor(fit.response);
      // The nominal decomposition is only compared for the 9/6 MeV lead-detector scanner.
      const nominal = k === 1 ? decomposerFor(nominalResponse(s.declared)) : null;
      return objects.map(([, layers]) => {
        const [ah, al] = attenuations(truth, layers);
        return { calibrated: d.pixel(ah, al), nominal: nominal?.pixel(ah, al) ?? { organic: NaN, metal: NaN } };
      });
    });
    objects.forEach(([name], k) => {
      const ref = results[0]![k]!.calibrated;
      for (const r of results.slice(1)) {
        const v = r[k]!.calibrated;
        expect(Math.abs(v.organic + v.metal - (ref.organic + ref.metal)), `${name} total`).toBeLessThan(0.03 * (ref.organic + ref.metal));
        expect(Math.abs(v.metal - ref.metal), `${name} metal`).toBeLessThan(0.15 * ref.organic + 0.1 * ref.metal);
      }
    });
    // Without calibration the 9/6 MeV lead-detector scanner reads wood as a large negative metal.
    expect(Math.abs(results[1]![0]!.nominal.metal - results[0]![0]!.calibrated.metal)).toBeGreaterThan(5);
  }, 300_000);
});
