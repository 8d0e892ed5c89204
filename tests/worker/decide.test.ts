/** The decision rules: which detections and manifests make an alert, and why. */
import { describe, expect, it } from 'vitest';
import type { CalibrationMode, DetectionRecord, ManifestDeclaration } from '#services/core/domain.ts';
import { loadSpeciesReference } from '#services/core/species-reference.ts';
import type { LoadedModel, ModelCard } from '#services/model-registry/card.ts';
import { DEFAULT_TIMBER_LOAD, DENSITY_UNCERTAINTY, decide, measuredInterval, type SpeciesReference } from '#workers/decision/decide.ts';

type Band = [number, number];
// The density groups of the committed cards.
const groups = [
  { id: 'light-wood', label: 'light softwood/hardwood', densityGcm3: [0.3, 0.56] as Band, genera: ['Pinus', 'Picea', 'Populus'], citesListed: false },
  { id: 'medium-wood', label: 'medium-density hardwood', densityGcm3: [0.56, 0.78] as Band, genera: ['Swietenia', 'Quercus', 'Tectona'], citesListed: false },
  { id: 'dense-hardwood', label: 'dense hardwood', densityGcm3: [0.78, 0.98] as Band, genera: ['Dalbergia', 'Pterocarpus', 'Eucalyptus'], citesListed: true },
  { id: 'very-dense-hardwood', label: 'very dense hardwood', densityGcm3: [0.98, 1.4] as Band, genera: ['Dalbergia', 'Diospyros', 'Guaiacum'], citesListed: true },
];

function model(shadow = false): LoadedModel {
  const card = {
    id: 'm',
    version: '1.0.0',
    sha256: 'a'.repeat(64),
    output: { heatmap: { name: 'scores', stride: 4 }, timberGroups: { name: 'g', groups } },
  } as unknown as ModelCard;
  return { card, path: '', dir: '', shadow };
}

let n = 0;
/** A detection; timber gets the band of its group as interval unless one is given. Boxes default to a 2 × 1.5 m load. */
function det(
  cls: DetectionRecord['class'],
  score: number,
  above: boolean,
  species: string | null = null,
  opts: { interval?: Band | null; mm?: { width: number; height: number } } = {},
): DetectionRecord {
  n++;
  const mm = opts.mm ?? { width: 2000, height: 1500 };
  const interval = opts.interval !== undefined ? opts.interval : (groups.find((g) => g.id === species)?.densityGcm3 ?? null);
  return {
    id: `d${n}`, scanId: 's', modelId: 'm', modelVersion: '1.0.0', modelSha256: 'a'.repeat(64), class: cls, species, citesAppendix: null, score,
    box: { x: 0, y: 0, width: mm.width / 10, height: mm.height / 10 }, boxMm: { x: 0, y: 0, ...mm }, densityGcm3: null,
    densityIntervalGcm3: interval, aboveThreshold: above, shadow: false, createdAt: '',
  };
}
const timber = (interval: Band, mm?: { width: number; height: number }) => det('timber', 0.9, true, 'very-dense-hardwood', { interval, mm });

const species = loadSpeciesReference();
const run = (detections: DetectionRecord[], declarations: ManifestDeclaration[], m = model(), calibration?: CalibrationMode, ref: SpeciesReference = species) =>
  decide({ scanId: 's', laneId: 'l', model: m, detections, declarations, species: ref, createdAt: '2026-11-28T00:00:00Z', calibration });
const codes = (a: ReturnType<typeof run>) => a?.reasons.map((r) => r.code) ?? [];
const band = (b: Band) => `${b[0].toFixed(2)}–${b[1].toFixed(2)} g/cm³`;

const MACHINERY: ManifestDeclaration = { hsCode: '8479.89', description: 'machinery' };
const PINE: ManifestDeclaration = { hsCode: '4407.11', description: 'sawn pine', species: 'Pinus sylvestris' };
const PINE_RANGE = species.densityRangeOf('Pinus sylvestris')!;

describe('decide', () => {
  it('alerts on ivory above threshold, whatever the manifest', () => {
    const a = run([det('ivory', 0.9, true)], [{ hsCode: '0507.10', description: 'ivory', citesPermit: 'X' }]);
    expect(a?.class).toBe('ivory');
    expect(codes(a)).toEqual(['wildlife_product']);
  });

  it('keeps below-threshold detections as tier 2: no alert', () => {
    expect(run([det('ivory', 0.3, false), det('rhino_horn', 0.25, false)], [])).toBeNull();
  });

  it('never alerts from a shadow model', () => {
    expect(run([det('ivory', 0.99, true)], [], model(true))).toBeNull();
  });

  it('flags a timber load on a manifest that declares no wood', () => {
    const a = run([det('timber', 0.8, true, 'light-wood')], [MACHINERY]);
    expect(codes(a)).toEqual(['undeclared_timber']);
    expect(a!.reasons[0]!.message).toMatch(/largest 2\.0 × 1\.5 m.*declares no wood/);
  });

  it('ranks the alert class ivory > rhino horn > timber and uses the best raising score', () => {
    const a = run([det('timber', 0.95, true, 'light-wood'), det('rhino_horn', 0.7, true)], []);
    expect(a?.class).toBe('rhino_horn');
    expect(a?.score).toBe(0.95);
  });
});

describe('decide: wooden packaging never raises an alert by itself', () => {
  // Side views: a pallet, a row of dunnage along the floor, a crate of wooden goods, a long run of pallets.
  const packaging = {
    pallet: { width: 1200, height: 150 },
    dunnage: { width: 6000, height: 100 },
    crate: { width: 900, height: 900 },
    'pallet run': { width: 12000, height: 150 },
  };

  it.each(Object.entries(packaging))('%s-sized timber raises nothing, whatever its density or the manifest', (_, mm) => {
    for (const interval of [[0.3, 0.56], [0.98, 1.4], [0.78, 1.4]] as Band[]) {
      const dets = [timber(interval, mm)];
      expect(run(dets, [MACHINERY])).toBeNull();
      expect(run(dets, [PINE])).toBeNull();
      expect(run(dets, [])).toBeNull();
      // Kept as a detection: decide() reads, never removes.
      expect(dets).toHaveLength(1);
    }
    // The same evidence at load size does alert, so the size is what silenced it.
    expect(codes(run([timber([0.98, 1.4])], [MACHINERY]))).toContain('undeclared_timber');
  });

  it('needs ≥ 1 m² and ≥ 0.5 m in both extents (the boundary)', () => {
    expect(DEFAULT_TIMBER_LOAD).toEqual({ minAreaM2: 1, minExtentM: 0.5 });
    const at = (width: number, height: number) => codes(run([det('timber', 0.9, true, 'light-wood', { mm: { width, height } })], [MACHINERY]));
    expect(at(1000, 1000)).toEqual(['undeclared_timber']);
    expect(at(999, 1000)).toEqual([]);
    expect(at(2000, 500)).toEqual(['undeclared_timber']);
    expect(at(2100, 499)).toEqual([]); // 1.05 m² but too thin: a board, not a load
    expect(at(500, 2000)).toEqual(['undeclared_timber']);
  });

  it('takes the load size from the card when it sets one', () => {
    const m = model();
    const small = () => [det('timber', 0.9, true, 'light-wood', { mm: { width: 600, height: 500 } })];
    expect(run(small(), [MACHINERY], m)).toBeNull();
    m.card.rules = { timberLoad: { minAreaM2: 0.25, minExtentM: 0.4 } };
    expect(codes(run(small(), [MACHINERY], m))).toEqual(['undeclared_timber']);
    m.card.rules = { timberLoad: { minAreaM2: 0.25, minExtentM: 0.55 } };
    expect(run(small(), [MACHINERY], m)).toBeNull();
  });

  it('checks a declared species on goods smaller than a load only when the card says so, and only that rule', () => {
    const m = model();
    // Rosewood blocks on a pallet (0.4 × 0.3 m), declared as Scots pine; the pallet itself (1.2 × 0.15 m) read as dense too.
    const goods = det('timber', 0.9, true, 'very-dense-hardwood', { interval: [0.98, 1.4], mm: { width: 400, height: 300 } });
    const pallet = det('timber', 0.9, true, 'very-dense-hardwood', { interval: [0.78, 1.4], mm: { width: 1200, height: 150 } });
    expect(run([goods, pallet], [PINE], m)).toBeNull();
    m.card.rules = { timberLoad: { minAreaM2: 0.5, minExtentM: 0.45, declaredSpecies: { minAreaM2: 0.05, minExtentM: 0.2 } } };
    const a = run([goods, pallet], [PINE], m);
    // The declaration is contradicted by the goods alone; CITES-without-permit still needs a load.
    expect(codes(a)).toEqual(['declared_species_mismatch']);
    expect(a!.reasons[0]!.detectionIds).toEqual([goods.id]);
    // Without a wood line nothing is declared to contradict, and the goods are no load: nothing.
    expect(run([goods, pallet], [MACHINERY], m)).toBeNull();
    // Honest pine goods of the same size pass.
    expect(run([det('timber', 0.9, true, 'light-wood', { interval: [0.3, 0.56], mm: { width: 400, height: 300 } })], [PINE], m)).toBeNull();
    // Below the declared-species size (a board 0.19 m high) nothing is checked.
    expect(run([det('timber', 0.9, true, 'very-dense-hardwood', { interval: [0.98, 1.4], mm: { width: 600, height: 190 } })], [PINE], m)).toBeNull();
  });

  it('counts wooden articles outside chapter 44 (wooden furniture) as declared wood', () => {
    const load = () => [det('timber', 0.9, true, 'medium-wood')];
    expect(codes(run(load(), [{ hsCode: '9403.60', description: 'wooden furniture, in cartons' }]))).toEqual([]);
    expect(codes(run(load(), [{ hsCode: '9403.20', description: 'metal furniture' }]))).toEqual(['undeclared_timber']);
  });
});

describe('decide: a declared species is contradicted only when the measured interval excludes it', () => {
  it('passes honest pine whose interval overlaps its range', () => {
    for (const interval of [[0.3, 0.56], [0.3, 0.78], [0.56, 0.78]] as Band[]) {
      expect(run([det('timber', 0.9, true, 'light-wood', { interval })], [PINE]), interval.join('–')).toBeNull();
    }
  });

  it('flags pine whose interval is 0.98–1.40, quoting both intervals', () => {
    const a = run([timber([0.98, 1.4])], [PINE]);
    expect(codes(a)).toEqual(['cites_timber_without_permit', 'declared_species_mismatch']);
    const msg = a!.reasons.find((r) => r.code === 'declared_species_mismatch')!.message;
    const u = DENSITY_UNCERTAINTY.nominal;
    expect(msg).toContain(`declared Pinus sylvestris ${band(PINE_RANGE)}; image ${band([0.98, 1.4])}`);
    expect(msg).toContain(`(${band([0.98 * (1 - u), 1.4 * (1 + u)])} allowing ±12 % for nominal calibration)`);
    expect(msg).toMatch(/very dense hardwood such as Dalbergia/);
  });

  it.each([['profile'], ['nominal']] as const)('draws the line at the widened interval touching the declared range (%s calibration)', (mode) => {
    const u = DENSITY_UNCERTAINTY[mode];
    // The lowest measured density whose widened interval still reaches the top of the pine range.
    const edge = PINE_RANGE[1] / (1 - u);
    const at = (lo: number) => codes(run([det('timber', 0.9, true, 'medium-wood', { interval: [lo, 0.78] })], [PINE], model(), mode));
    expect(at(edge * 1.001)).toEqual(['declared_species_mismatch']);
    expect(at(edge * 0.999)).toEqual([]);
  });

  it('raises the low end to the physical density floor only where the card opts in, and says so', () => {
    const floored = (floor: number | null, interval: Band = [0.56, 1.4]) => ({ ...det('timber', 0.9, true, 'dense-hardwood', { interval }), densityFloorGcm3: floor });
    const groupMap = new Map(groups.map((g) => [g.id, g]));
    // Without a margin (the card has not opted in) the floor is never used.
    expect(measuredInterval(floored(0.63), groupMap)).toEqual({ interval: [0.56, 1.4], floored: false });
    expect(measuredInterval(floored(0.63), groupMap, 0.05)).toEqual({ interval: [0.63, 1.4], floored: true });
    // Below the model's low end it changes nothing.
    expect(measuredInterval(floored(0.5), groupMap, 0.05)).toEqual({ interval: [0.56, 1.4], floored: false });
    expect(measuredInterval(floored(null), groupMap, 0.05)).toEqual({ interval: [0.56, 1.4], floored: false });
    // Above the model's whole interval beyond the margin it is suspect and not used; within the margin it closes the interval.
    expect(measuredInterval(floored(0.7, [0.3, 0.56]), groupMap, 0.05)).toEqual({ interval: [0.3, 0.56], floored: false });
    expect(measuredInterval(floored(0.58, [0.3, 0.56]), groupMap, 0.05)).toEqual({ interval: [0.56, 0.56], floored: true });

    const optedIn = model();
    optedIn.card.rules = { timberDensityFloor: true };
    // The model alone (0.56–1.40) cannot contradict declared pine; nor can the floor on a card that has not opted in.
    expect(run([floored(0.63)], [PINE], model(), 'profile')).toBeNull();
    const a = run([floored(0.63)], [PINE], optedIn, 'profile');
    expect(codes(a)).toEqual(['declared_species_mismatch']);
    expect(a!.reasons[0]!.message).toContain(`image ${band([0.63, 1.4])} (low end: the wood area density divided by the widest load space)`);
    // The same floor under nominal calibration (±12 %) reaches back into the pine range: no accusation.
    expect(run([floored(0.63)], [PINE], optedIn, 'nominal')).toBeNull();
    // CITES without permit counts the floor less its margin: 0.80 × 0.95 is below the listed groups' 0.78, 0.83 × 0.95 above.
    expect(codes(run([floored(0.8)], [MACHINERY], optedIn, 'profile'))).toEqual(['undeclared_timber']);
    expect(codes(run([floored(0.83)], [MACHINERY], optedIn, 'profile'))).toEqual(['undeclared_timber', 'cites_timber_without_permit']);
  });

  it('is stricter with a scanner profile (±5 %) than with nominal calibration (±12 %)', () => {
    expect(DENSITY_UNCERTAINTY).toEqual({ profile: 0.05, nominal: 0.12 });
    const interval: Band = [0.6, 0.78];
    expect(codes(run([det('timber', 0.9, true, 'medium-wood', { interval })], [PINE], model(), 'profile'))).toEqual(['declared_species_mismatch']);
    expect(run([det('timber', 0.9, true, 'medium-wood', { interval })], [PINE], model(), 'nominal')).toBeNull();
    // Nominal is the default.
    expect(run([det('timber', 0.9, true, 'medium-wood', { interval })], [PINE])).toBeNull();
  });

  it('uses ±15 % around the reference density when the table gives no range', () => {
    const ref: SpeciesReference = { densityOf: (s) => (s === 'Testus lignum' ? 0.5 : undefined), isCitesListed: () => false };
    const decl = [{ hsCode: '4407.99', description: 'sawn wood', species: 'Testus lignum' }];
    const edge = (0.5 * 1.15) / (1 - DENSITY_UNCERTAINTY.profile);
    const at = (lo: number) => run([det('timber', 0.9, true, 'medium-wood', { interval: [lo, 0.78] })], decl, model(), 'profile', ref);
    expect(codes(at(edge * 1.001))).toEqual(['declared_species_mismatch']);
    expect(at(edge * 1.001)!.reasons[0]!.message).toContain(`declared Testus lignum ${band([0.425, 0.575])}`);
    expect(at(edge * 0.999)).toBeNull();
  });

  it('does not accuse a manifest with a wood line the image cannot contradict', () => {
    const a = run([timber([0.98, 1.4])], [PINE, { hsCode: '4403.49', description: 'tropical logs' }]);
    expect(codes(a)).toEqual(['cites_timber_without_permit']);
  });

  it('checks an HS code that names a genus the same way (declared_hs_mismatch)', () => {
    const hsPine = [{ hsCode: '4407.11', description: 'sawn pine' }];
    const a = run([timber([0.98, 1.4])], hsPine);
    expect(codes(a)).toContain('declared_hs_mismatch');
    const genus = species.densityRangeOf('Pinus')!;
    expect(a!.reasons.find((r) => r.code === 'declared_hs_mismatch')!.message).toContain(`declared HS 4407.11 (Pinus) ${band(genus)}; image ${band([0.98, 1.4])}`);
    expect(codes(run([det('timber', 0.9, true, 'medium-wood', { interval: [0.56, 0.78] })], hsPine))).toEqual([]);
    // A subheading naming no genus implies no density.
    expect(codes(run([timber([0.98, 1.4])], [{ hsCode: '4407.29', description: 'tropical sawn wood' }]))).not.toContain('declared_hs_mismatch');
  });

  it('falls back to the band of the detection group when a detection carries no interval', () => {
    expect(codes(run([det('timber', 0.9, true, 'very-dense-hardwood', { interval: null })], [PINE]))).toContain('declared_species_mismatch');
    expect(run([det('timber', 0.9, true, 'light-wood', { interval: null })], [PINE])).toBeNull();
  });
});

describe('decide: CITES timber without permit', () => {
  const ROSEWOOD: ManifestDeclaration = { hsCode: '4403.49', description: 'rosewood logs', species: 'Dalbergia cochinchinensis' };

  it('flags honestly declared rosewood without a permit', () => {
    const a = run([timber([0.98, 1.4])], [ROSEWOOD]);
    expect(codes(a)).toEqual(['cites_timber_without_permit']);
    expect(a!.reasons[0]!.message).toContain(band([0.98, 1.4]));
  });

  it('needs the interval entirely inside the CITES-listed groups (the boundary)', () => {
    const decl = [{ hsCode: '4403.49', description: 'tropical logs' }];
    expect(codes(run([timber([0.78, 0.98])], decl))).toEqual(['cites_timber_without_permit']);
    expect(codes(run([timber([0.78, 1.4])], decl))).toEqual(['cites_timber_without_permit']);
    expect(codes(run([timber([0.56, 0.98])], decl))).toEqual([]);
    expect(codes(run([timber([0.3, 1.4])], decl))).toEqual([]);
  });

  it('needs a cargo-sized load', () => {
    expect(run([timber([0.98, 1.4], { width: 999, height: 1000 })], [ROSEWOOD])).toBeNull();
    expect(codes(run([timber([0.98, 1.4], { width: 1000, height: 1000 })], [ROSEWOOD]))).toEqual(['cites_timber_without_permit']);
  });

  it('does not flag declared and permitted CITES timber', () => {
    expect(run([timber([0.98, 1.4])], [{ ...ROSEWOOD, citesPermit: 'TH-123' }])).toBeNull();
  });

  it('does not let a permit on a non-wood line, or pine plus a listed ebony line, silence it', () => {
    const a = run([timber([0.98, 1.4])], [
      PINE,
      { hsCode: '4403.49', description: 'ebony', species: 'Diospyros spp. (Madagascar)' },
      { hsCode: '9601.10', description: 'worked ivory', citesPermit: 'P-1' },
    ]);
    expect(codes(a)).toContain('cites_timber_without_permit');
    // Nor a permit on a line the image contradicts.
    expect(codes(run([timber([0.98, 1.4])], [{ ...PINE, citesPermit: 'P-2' }]))).toContain('cites_timber_without_permit');
  });

  it('passes a declared unlisted species the image cannot exclude (a documented physics limit)', () => {
    expect(run([timber([0.98, 1.4])], [{ hsCode: '4403.49', description: 'african ebony', species: 'Diospyros crassiflora' }])).toBeNull();
  });
});

describe('decide: a card can switch the timber manifest rules off', () => {
  it('keeps wildlife alerts but raises nothing from timber when the card says its bands are not to be trusted', () => {
    const m = model();
    const pine = [{ hsCode: '4403.21', description: 'Logs, Scots pine', species: 'Pinus sylvestris' }];
    const dense = () => det('timber', 0.9, true, 'very-dense-hardwood');
    // The same evidence alerts under the default rules...
    expect(codes(run([dense()], pine, m))).toContain('declared_species_mismatch');
    m.card.rules = { timberManifestRules: false };
    // ...and not with the rules off, neither against a declaration nor against a manifest without wood.
    expect(run([dense()], pine, m)).toBeNull();
    expect(run([dense()], [MACHINERY], m)).toBeNull();
    const a = run([dense(), det('ivory', 0.95, true)], pine, m);
    expect(a?.class).toBe('ivory');
    expect(codes(a)).toEqual(['wildlife_product']);
  });
});
