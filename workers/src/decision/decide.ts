/**
 * Detections → alert. The domain rules, with no framework or I/O:
 *  - ivory or rhino horn above its threshold is always an alert;
 *  - timber speaks only as a cargo-sized load (DEFAULT_TIMBER_LOAD, card-configurable): wooden
 *    packaging — pallets, crates, dunnage, cartons of wooden goods — never raises an alert by
 *    itself; a smaller timber detection is kept, shown and stored, and raises nothing (except
 *    against a species the manifest names, where the card allows it: declaredSpecies below);
 *  - a timber load on a manifest that declares no wood is an alert;
 *  - a timber load whose measured density interval lies entirely inside the CITES-listed density
 *    groups, with no CITES permit declared, is an alert;
 *  - a declared species (or an HS code naming a genus) is contradicted only when the measured
 *    density interval, widened by the calibration uncertainty, excludes the declared range; a
 *    card may let regions smaller than a load (goods on a pallet, in a parcel) make this check
 *    (`rules.timberLoad.declaredSpecies`): the manifest itself says those goods are that wood;
 *  - a timber load's measured interval is the model's; where the card opts in
 *    (rules.timberDensityFloor), its low end is raised to the physical floor
 *    (DetectionRecord.densityFloorGcm3: no dry wood carrying that much mass across the load space
 *    can be lighter; services/core/physics/density-floor.ts);
 *  - the timber manifest rules can be switched off by the model's card (its density bands not
 *    trusted enough to accuse a declaration).
 * Below-threshold detections stay as tier-2 detections and never alert. Shadow models never alert.
 */
import { createHash } from 'node:crypto';
import { DETECTION_CLASSES, WILDLIFE_CLASSES, type AlertReason, type AlertRecord, type CalibrationMode, type DetectionClass, type DetectionRecord, type ManifestDeclaration } from '#services/core/domain.ts';
import type { LoadedModel, TimberGroup, TimberLoadRule, TimberRegionSize } from '#services/model-registry/card.ts';

import type { SpeciesReference } from '#services/core/species-reference.ts';
export type { SpeciesReference };

/** An alert's class: the first class (DETECTION_CLASSES is in priority order) among the detections that raised it. */
const PRIORITY: readonly DetectionClass[] = DETECTION_CLASSES;
const LABEL: Record<DetectionClass, string> = { ivory: 'elephant ivory', rhino_horn: 'rhino horn', timber: 'timber' };

/**
 * The smallest timber detection the manifest rules treat as a load of logs or sawn wood, for
 * container and truck scans (a card overrides it under `rules.timberLoad`).
 * Why: at a real port 60–67 % of clean scans were held, almost all by timber rules firing on
 * wooden packaging. In the side view packaging is small or thin: a pallet is about
 * 1.2 × 0.15 m (0.18 m²), dunnage and bearers are boards a few centimetres high however long
 * the row, a crate or a stack of cartons of wooden goods is rarely above 1 m² and comes on a
 * manifest that declares wooden goods. A load of logs or sawn timber fills a large part of the
 * load space: bundles of sawn wood are about 1 × 1 m in section and several metres long, logs
 * are 0.3–1 m thick and metres long. Both extents must reach 0.5 m so that a long thin run of
 * pallets or dunnage along the floor does not add up to a load.
 */
export const DEFAULT_TIMBER_LOAD: TimberLoadRule = { minAreaM2: 1.0, minExtentM: 0.5 };

/**
 * Relative uncertainty of a measured density against reference tables: a scanner calibrated
 * with its own profile is known to about ±5 %; with the nominal response of the declared
 * source, to about ±12 %.
 */
export const DENSITY_UNCERTAINTY: Record<CalibrationMode, number> = { profile: 0.05, nominal: 0.12 };

/** Half-width, relative, of a declared species' range when the table gives only its reference density. */
export const SPECIES_RANGE_FALLBACK = 0.15;

/**
 * HS subheadings outside chapter 44 whose goods are wooden articles (furniture and seats of wood,
 * their parts, prefabricated wooden buildings): a load of them images as wood and its manifest
 * does declare wood. Digits only.
 */
export const WOODEN_ARTICLE_HS = ['940161', '940169', '940330', '940340', '940350', '940360', '940391', '940610'] as const;

/**
 * Subheadings of logs (4403) and sawn wood (4407) that name their genus (HS 2022): the declared
 * density follows from the code even when the line names no species. Other subheadings
 * ("other tropical", "other") imply no density and cannot be contradicted.
 */
const HS_GENERA: ReadonlyArray<{ codes: readonly string[]; genera: readonly string[] }> = [
  { codes: ['440321', '440322', '440711'], genera: ['Pinus'] },
  // Fir and spruce; firs fall inside the spruce range.
  { codes: ['440323', '440324', '440712'], genera: ['Picea'] },
  { codes: ['440713'], genera: ['Picea', 'Pinus'] },
  { codes: ['440391', '440791'], genera: ['Quercus'] },
  { codes: ['440397', '440797'], genera: ['Populus'] },
  { codes: ['440398'], genera: ['Eucalyptus'] },
  { codes: ['440721'], genera: ['Swietenia'] },
];

type Band = [number, number];

function fmtBand(b: Band): string {
  return `${b[0].toFixed(2)}–${b[1].toFixed(2)} g/cm³`;
}

function hsDigits(d: ManifestDeclaration): string {
  return d.hsCode.replace(/\D/g, '');
}

/** A wood line: HS chapter 44, or wooden articles outside it (WOODEN_ARTICLE_HS). */
export function isWood(d: ManifestDeclaration): boolean {
  const hs = hsDigits(d);
  return hs.startsWith('44') || WOODEN_ARTICLE_HS.some((p) => hs.startsWith(p));
}

function genusOf(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

function union(bands: Band[]): Band | undefined {
  if (bands.length === 0) return undefined;
  return [Math.min(...bands.map((b) => b[0])), Math.max(...bands.map((b) => b[1]))];
}

/** A species' density range: the table's min/max, else ±SPECIES_RANGE_FALLBACK around its reference density. */
export function declaredSpeciesRange(species: SpeciesReference, name: string): Band | undefined {
  const range = species.densityRangeOf?.(name) ?? species.densityRangeOf?.(genusOf(name));
  if (range) return range;
  const rho = species.densityOf(name) ?? species.densityOf(genusOf(name));
  return rho === undefined ? undefined : [rho * (1 - SPECIES_RANGE_FALLBACK), rho * (1 + SPECIES_RANGE_FALLBACK)];
}

/** A wood line of the manifest, as the density rules see it. */
interface WoodLine {
  decl: ManifestDeclaration;
  /** For messages: "Pinus sylvestris" or "HS 4407.11 (Pinus)". */
  what: string;
  /** The density range the line implies; undefined when it implies none (it cannot be contradicted). */
  range?: Band;
  /** Which mismatch the line is contradicted by. */
  code: 'declared_species_mismatch' | 'declared_hs_mismatch';
  /** Declares CITES-listed wood. */
  listed: boolean;
}

function woodLine(decl: ManifestDeclaration, species: SpeciesReference): WoodLine {
  if (decl.species) {
    return {
      decl,
      what: decl.species,
      range: declaredSpeciesRange(species, decl.species),
      code: 'declared_species_mismatch',
      listed: species.isCitesListed(decl.species),
    };
  }
  const genera = HS_GENERA.find((h) => h.codes.includes(hsDigits(decl).slice(0, 6)))?.genera ?? [];
  const ranges = genera.map((g) => declaredSpeciesRange(species, g)).filter((r): r is Band => r !== undefined);
  return {
    decl,
    what: `HS ${decl.hsCode}${genera.length ? ` (${genera.join('/')})` : ''}`,
    range: ranges.length === genera.length ? union(ranges) : undefined,
    code: 'declared_hs_mismatch',
    listed: genera.some((g) => species.isCitesListed(g)),
  };
}

/** True when [lo, hi] lies inside the union of the bands (touching bands join). */
function inside(interval: Band, bands: Band[]): boolean {
  const sorted = [...bands].sort((a, b) => a[0] - b[0]);
  const merged: Band[] = [];
  for (const b of sorted) {
    const last = merged[merged.length - 1];
    if (last && b[0] <= last[1] + 1e-9) last[1] = Math.max(last[1], b[1]);
    else merged.push([b[0], b[1]]);
  }
  return merged.some((m) => interval[0] >= m[0] - 1e-9 && interval[1] <= m[1] + 1e-9);
}

export interface DecisionInput {
  scanId: string;
  laneId: string;
  model: LoadedModel;
  detections: DetectionRecord[];
  declarations: ManifestDeclaration[];
  species: SpeciesReference;
  createdAt: string;
  /** Calibration the scan was analysed with; sets DENSITY_UNCERTAINTY. Default `nominal`. */
  calibration?: CalibrationMode;
}

/**
 * A timber detection's measured density interval: the model's (or, without one, its group's band),
 * with the low end raised to the physical floor when `floorMargin` is given (the card opts in) and
 * the detection has one (densityFloorGcm3: no dry wood carrying that much mass across the load
 * space can be lighter). A floor above the model's whole interval even after the margin
 * (floor·(1 − margin) > high end) is not used: an assumption behind it failed (steel or wet wood in
 * the ray, an oblique ray) or the model is wrong, and a floor alone accuses no one. `floored` says
 * the floor set the low end.
 */
export function measuredInterval(d: DetectionRecord, groups: Map<string, TimberGroup>, floorMargin?: number): { interval: Band; floored: boolean } | null {
  const model = d.densityIntervalGcm3 ?? (d.species ? groups.get(d.species)?.densityGcm3 : undefined);
  if (!model) return null;
  const floor = d.densityFloorGcm3;
  if (floorMargin === undefined || floor == null || !(floor > model[0]) || floor * (1 - floorMargin) > model[1]) return { interval: [model[0], model[1]], floored: false };
  return { interval: [Math.min(floor, model[1]), model[1]], floored: true };
}

/** Timber detections grouped by measured density interval, so the inspector reads each contradiction once. */
function byInterval(dets: DetectionRecord[], groups: Map<string, TimberGroup>, floorMargin?: number): Array<{ interval: Band; floored: boolean; ids: string[] }> {
  const out = new Map<string, { interval: Band; floored: boolean; ids: string[] }>();
  for (const d of dets) {
    const m = measuredInterval(d, groups, floorMargin);
    if (!m) continue;
    const { interval, floored } = m;
    const key = `${interval.join('|')}|${floored}`;
    const entry = out.get(key) ?? { interval, floored, ids: [] };
    entry.ids.push(d.id);
    out.set(key, entry);
  }
  return [...out.values()];
}

export function decide(input: DecisionInput): AlertRecord | null {
  const { model, detections, declarations } = input;
  if (model.shadow) return null;
  const card = model.card;
  const groupList = card.output.timberGroups?.groups ?? [];
  const groups = new Map<string, TimberGroup>(groupList.map((g) => [g.id, g]));
  const reasons: AlertReason[] = [];
  const tier1 = detections.filter((d) => d.aboveThreshold);

  for (const cls of WILDLIFE_CLASSES) {
    const hits = tier1.filter((d) => d.class === cls);
    if (hits.length === 0) continue;
    const best = Math.max(...hits.map((d) => d.score));
    reasons.push({
      code: 'wildlife_product',
      message: `${hits.length} region(s) consistent with ${LABEL[cls]} (best score ${best.toFixed(2)}); always referred for inspection`,
      detectionIds: hits.map((d) => d.id),
    });
  }

  // Timber rules speak about cargo loads, never about packaging (see DEFAULT_TIMBER_LOAD).
  const timberRules = card.rules?.timberManifestRules !== false;
  const load: TimberLoadRule = { ...DEFAULT_TIMBER_LOAD, ...card.rules?.timberLoad };
  const sized = (rule: TimberRegionSize) => (d: DetectionRecord) => {
    const w = d.boxMm.width / 1000;
    const h = d.boxMm.height / 1000;
    return d.class === 'timber' && w * h >= rule.minAreaM2 && Math.min(w, h) >= rule.minExtentM;
  };
  const timber = timberRules ? tier1.filter(sized(load)) : [];
  // Regions checked against a declared species or genus (TimberLoadRule.declaredSpecies).
  const declaredChecked = timberRules ? tier1.filter(sized(load.declaredSpecies ?? load)) : [];
  const wood = declarations.filter(isWood).map((d) => woodLine(d, input.species));
  if (timber.length > 0 && wood.length === 0) {
    const largest = timber.reduce((a, b) => (b.boxMm.width * b.boxMm.height > a.boxMm.width * a.boxMm.height ? b : a));
    reasons.push({
      code: 'undeclared_timber',
      message:
        `a timber load seen in ${timber.length} region(s) (largest ${(largest.boxMm.width / 1000).toFixed(1)} × ${(largest.boxMm.height / 1000).toFixed(1)} m) ` +
        'but the manifest declares no wood (HS chapter 44 or wooden articles)',
      detectionIds: timber.map((d) => d.id),
    });
  }

  const mode = input.calibration ?? 'nominal';
  const u = DENSITY_UNCERTAINTY[mode];
  const widen = (interval: Band): Band => [interval[0] * (1 - u), interval[1] * (1 + u)];
  const overlaps = (r: Band, widened: Band) => r[0] <= widened[1] && widened[0] <= r[1];
  const listedBands = groupList.filter((g) => g.citesListed).map((g) => g.densityGcm3);
  const looksOf = (interval: Band) => {
    const spanned = groupList.filter((g) => g.densityGcm3[0] < interval[1] && interval[0] < g.densityGcm3[1]);
    const genera = [...new Set(spanned.flatMap((g) => g.genera))].slice(0, 3);
    return spanned.length ? `${spanned.map((g) => g.label).join(' to ')}${genera.length ? ` such as ${genera.join(', ')}` : ''}` : '';
  };
  // A line implying no density cannot be contradicted by one.
  const consistent = (l: WoodLine, interval: Band) => l.range === undefined || overlaps(l.range, widen(interval));

  // The physical floor, where the card opts in (rules.timberDensityFloor; off by default: it holds
  // for dry wood only, and green logs weigh up to twice their air-dry density).
  const floorMargin = card.rules?.timberDensityFloor === true ? u : undefined;
  // Where the low end is the physical floor, the message says so (the model's groups reach lower).
  const fromFloor = (floored: boolean) => (floored ? ' (low end: the wood area density divided by the widest load space)' : '');

  // CITES: the model's own groups, so the interval itself (≥ 90 % of the group probability)
  // must lie inside the listed groups' bands; a floor counts less its calibration margin.
  for (const { interval, floored, ids } of byInterval(timber, groups, floorMargin)) {
    const checked: Band = floored ? [interval[0] * (1 - u), interval[1]] : interval;
    if (!(listedBands.length && inside(checked, listedBands))) continue;
    // A permit counts on a wood line the image does not contradict.
    const permitted = wood.some((l) => l.decl.citesPermit && consistent(l, interval));
    // A declared unlisted wood the image cannot tell apart (its range not excluded) passes:
    // X-ray density cannot separate it; listed among the model's limits.
    const lookalike = wood.some((l) => l.range !== undefined && !l.listed && overlaps(l.range, widen(interval)));
    if (!permitted && !lookalike) {
      reasons.push({
        code: 'cites_timber_without_permit',
        message: `timber load measured at ${fmtBand(interval)}${fromFloor(floored)}, inside the CITES-listed density groups (${looksOf(interval)}), and no CITES permit is declared for it`,
        detectionIds: ids,
      });
    }
  }

  // Declared species / HS code: contradicted only when no wood line is consistent with the
  // widened interval; then every line is, and each is named.
  if (wood.length > 0) {
    for (const { interval, floored, ids } of byInterval(declaredChecked, groups, floorMargin)) {
      if (wood.some((l) => consistent(l, interval))) continue;
      const looks = looksOf(interval);
      for (const l of wood) {
        reasons.push({
          code: l.code,
          message:
            `declared ${l.what} ${fmtBand(l.range!)}; image ${fmtBand(interval)}${fromFloor(floored)} ` +
            `(${fmtBand(widen(interval))} allowing ±${Math.round(u * 100)} % for ${mode} calibration)${looks ? `, consistent with ${looks}` : ''}`,
          detectionIds: ids,
        });
      }
    }
  }

  if (reasons.length === 0) return null;
  const raising = tier1.filter((d) => reasons.some((r) => r.detectionIds.includes(d.id)));
  const cls = PRIORITY.find((c) => raising.some((d) => d.class === c)) ?? 'timber';
  return {
    id: 'alt_' + createHash('sha256').update([input.scanId, card.id, card.version].join('|')).digest('hex').slice(0, 24),
    scanId: input.scanId,
    laneId: input.laneId,
    modelId: card.id,
    modelVersion: card.version,
    modelSha256: card.sha256,
    class: cls,
    score: Math.max(...raising.map((d) => d.score)),
    status: 'open',
    reasons,
    createdAt: input.createdAt,
  };
}
