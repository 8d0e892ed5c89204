/** The decision rules: which detections and manifests make an alert, and why. */
import { describe, expect, it } from 'vitest';
import type { DetectionRecord, ManifestDeclaration } from '../../services/core/domain.ts';
import { loadSpeciesReference } from '../../services/core/species-reference.ts';
import type { LoadedModel, ModelCard } from '../../services/model-registry/card.ts';
import { decide } from '../../workers/src/decision/decide.ts';

const groups = [
  { id: 'light-wood', label: 'light wood', densityGcm3: [0.3, 0.56] as [number, number], genera: ['Pinus', 'Picea', 'Populus'], citesListed: false },
  { id: 'very-dense-hardwood', label: 'very dense hardwood', densityGcm3: [0.98, 1.4] as [number, number], genera: ['Dalbergia', 'Diospyros', 'Guaiacum'], citesListed: true },
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
function det(cls: DetectionRecord['class'], score: number, above: boolean, species: string | null = null): DetectionRecord {
  n++;
  return {
    id: `d${n}`, scanId: 's', modelId: 'm', modelVersion: '1.0.0', modelSha256: 'a'.repeat(64), class: cls, species, citesAppendix: null, score,
    box: { x: 0, y: 0, width: 200, height: 200 }, boxMm: { x: 0, y: 0, width: 1000, height: 1000 }, densityGcm3: null, aboveThreshold: above, shadow: false, createdAt: '',
  };
}

const species = loadSpeciesReference();
const run = (detections: DetectionRecord[], declarations: ManifestDeclaration[], m = model()) =>
  decide({ scanId: 's', laneId: 'l', model: m, detections, declarations, species, createdAt: '2026-11-28T00:00:00Z' });

describe('decide', () => {
  it('alerts on ivory above threshold, whatever the manifest', () => {
    const a = run([det('ivory', 0.9, true)], [{ hsCode: '0507.10', description: 'ivory', citesPermit: 'X' }]);
    expect(a?.class).toBe('ivory');
    expect(a?.reasons.map((r) => r.code)).toEqual(['wildlife_product']);
  });

  it('keeps below-threshold detections as tier 2: no alert', () => {
    expect(run([det('ivory', 0.3, false), det('rhino_horn', 0.25, false)], [])).toBeNull();
  });

  it('never alerts from a shadow model', () => {
    expect(run([det('ivory', 0.99, true)], [], model(true))).toBeNull();
  });

  it('flags dense CITES-band timber declared as pine, with the contradiction spelled out', () => {
    const a = run([det('timber', 0.9, true, 'very-dense-hardwood')], [{ hsCode: '4407.11', description: 'sawn pine', species: 'Pinus sylvestris' }]);
    const codes = a?.reasons.map((r) => r.code);
    expect(codes).toContain('cites_timber_without_permit');
    expect(codes).toContain('declared_species_mismatch');
    const msg = a!.reasons.find((r) => r.code === 'declared_species_mismatch')!.message;
    expect(msg).toMatch(/declared Pinus sylvestris \(0\.51 g\/cm³\)/);
    expect(msg).toMatch(/0\.98–1\.40 g\/cm³ very dense hardwood/);
  });

  it('does not flag honestly declared and permitted CITES timber, nor honestly declared pine', () => {
    expect(run([det('timber', 0.9, true, 'very-dense-hardwood')], [{ hsCode: '4403.49', description: 'rosewood logs', species: 'Dalbergia cochinchinensis', citesPermit: 'TH-123' }])).toBeNull();
    expect(run([det('timber', 0.9, true, 'light-wood')], [{ hsCode: '4407.11', description: 'sawn pine', species: 'Pinus sylvestris' }])).toBeNull();
  });

  it('flags timber on a manifest that declares no wood', () => {
    const a = run([det('timber', 0.8, true, 'light-wood')], [{ hsCode: '8479.89', description: 'machinery' }]);
    expect(a?.reasons.map((r) => r.code)).toEqual(['undeclared_timber']);
  });

  it('ranks the alert class ivory > rhino horn > timber and uses the best raising score', () => {
    const a = run([det('timber', 0.95, true, 'light-wood'), det('rhino_horn', 0.7, true)], []);
    expect(a?.class).toBe('rhino_horn');
    expect(a?.score).toBe(0.95);
  });
});

describe('decide: CITES timber permits', () => {
  const dense = () => [det('timber', 0.9, true, 'very-dense-hardwood')];
  it('flags honestly declared rosewood without a permit', () => {
    const a = run(dense(), [{ hsCode: '4403.49', description: 'rosewood logs', species: 'Dalbergia cochinchinensis' }]);
    expect(a?.reasons.map((r) => r.code)).toEqual(['cites_timber_without_permit']);
  });
  it('does not let a permit on a non-wood line, or pine plus a listed ebony line, silence it', () => {
    const a = run(dense(), [
      { hsCode: '4407.11', description: 'sawn pine', species: 'Pinus sylvestris' },
      { hsCode: '4403.49', description: 'ebony', species: 'Diospyros spp. (Madagascar)' },
      { hsCode: '9601.10', description: 'worked ivory', citesPermit: 'P-1' },
    ]);
    expect(a?.reasons.map((r) => r.code)).toContain('cites_timber_without_permit');
  });
  it('passes a declared unlisted species of the same band (a documented physics limit)', () => {
    expect(run(dense(), [{ hsCode: '4403.49', description: 'african ebony', species: 'Diospyros crassiflora' }])).toBeNull();
  });
});

describe('decide: timber needs cargo-sized evidence', () => {
  it('ignores a small timber region (a crate board, a billet) for the manifest rules', () => {
    const small = det('timber', 0.9, true, 'very-dense-hardwood');
    small.boxMm = { x: 0, y: 0, width: 400, height: 300 }; // 0.12 m²
    expect(run([small], [{ hsCode: '8479.89', description: 'machinery' }])).toBeNull();
  });
});

describe('decide: a card can switch the timber manifest rules off', () => {
  it('keeps wildlife alerts but raises nothing from timber when the card says its bands are not to be trusted', () => {
    const m = model();
    const pine = [{ hsCode: '4403.21', description: 'Logs, Scots pine', species: 'Pinus sylvestris' }];
    const dense = () => det('timber', 0.9, true, 'very-dense-hardwood');
    // The same evidence alerts under the default rules...
    expect(run([dense()], pine, m)?.reasons.map((r) => r.code)).toContain('declared_species_mismatch');
    m.card.rules = { timberManifestRules: false };
    // ...and not with the rules off, neither against a declaration nor against a manifest without wood.
    expect(run([dense()], pine, m)).toBeNull();
    expect(run([dense()], [{ hsCode: '8479.89', description: 'machinery' }], m)).toBeNull();
    const a = run([dense(), det('ivory', 0.95, true)], pine, m);
    expect(a?.class).toBe('ivory');
    expect(a?.reasons.map((r) => r.code)).toEqual(['wildlife_product']);
  });
});
