/**
 * Detections → alert. The domain rules, with no framework or I/O:
 *  - ivory or rhino horn above its threshold is always an alert;
 *  - timber of a CITES-listed group without a declared permit is an alert;
 *  - timber whose measured density contradicts the declared species, or timber on a manifest
 *    that declares no wood at all, is an alert — unless the model's card switches these timber
 *    manifest rules off (its density bands not trusted enough to accuse a declaration).
 * Below-threshold detections stay as tier-2 detections and never alert. Shadow models never alert.
 */
import { createHash } from 'node:crypto';
import type { AlertReason, AlertRecord, DetectionClass, DetectionRecord, ManifestDeclaration } from '../../../services/core/domain.ts';
import type { LoadedModel, TimberGroup } from '../../../services/model-registry/card.ts';

export interface SpeciesReference {
  /** Reference air-dry density (g/cm³) of a genus or "Genus species"; undefined when unknown. */
  densityOf(name: string): number | undefined;
  /** True when the species (or, for a bare genus, any species of it in the table) is CITES-listed. */
  isCitesListed(name: string): boolean;
}

const PRIORITY: DetectionClass[] = ['ivory', 'rhino_horn', 'timber'];
/** Smallest projected box (m²) a timber detection needs before the manifest rules consider it. */
export const TIMBER_MIN_AREA_M2 = 0.25;
const LABEL: Record<DetectionClass, string> = { ivory: 'elephant ivory', rhino_horn: 'rhino horn', timber: 'timber' };

function fmtBand(b: [number, number]): string {
  return `${b[0].toFixed(2)}–${b[1].toFixed(2)} g/cm³`;
}

function isWood(d: ManifestDeclaration): boolean {
  return d.hsCode.replace(/\D/g, '').startsWith('44');
}

function genusOf(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

export interface DecisionInput {
  scanId: string;
  laneId: string;
  model: LoadedModel;
  detections: DetectionRecord[];
  declarations: ManifestDeclaration[];
  species: SpeciesReference;
  createdAt: string;
}

export function decide(input: DecisionInput): AlertRecord | null {
  const { model, detections, declarations } = input;
  if (model.shadow) return null;
  const card = model.card;
  const groups = new Map<string, TimberGroup>((card.output.timberGroups?.groups ?? []).map((g) => [g.id, g]));
  const reasons: AlertReason[] = [];
  const tier1 = detections.filter((d) => d.aboveThreshold);

  for (const cls of ['ivory', 'rhino_horn'] as const) {
    const hits = tier1.filter((d) => d.class === cls);
    if (hits.length === 0) continue;
    const best = Math.max(...hits.map((d) => d.score));
    reasons.push({
      code: 'wildlife_product',
      message: `${hits.length} region(s) consistent with ${LABEL[cls]} (best score ${best.toFixed(2)}); always referred for inspection`,
      detectionIds: hits.map((d) => d.id),
    });
  }

  // Timber rules speak about cargo: a region smaller than TIMBER_MIN_AREA_M2 (a crate, a pallet
  // board, dunnage, an isolated billet) is wood packaging or noise, not a declarable timber load.
  // A card may switch the manifest rules off when its density bands are not trustworthy enough.
  const timberRules = card.rules?.timberManifestRules !== false;
  const timber = timberRules ? tier1.filter((d) => d.class === 'timber' && (d.boxMm.width * d.boxMm.height) / 1e6 >= TIMBER_MIN_AREA_M2) : [];
  const woodDecls = declarations.filter(isWood);
  if (timber.length > 0 && woodDecls.length === 0) {
    reasons.push({
      code: 'undeclared_timber',
      message: `timber seen in ${timber.length} region(s) but the manifest declares no wood (HS chapter 44)`,
      detectionIds: timber.map((d) => d.id),
    });
  }
  // One reason per group seen, so the inspector reads each contradiction once.
  const byGroup = new Map<string, DetectionRecord[]>();
  for (const d of timber) if (d.species) byGroup.set(d.species, [...(byGroup.get(d.species) ?? []), d]);
  for (const [gid, dets] of byGroup) {
    const group = groups.get(gid);
    if (!group) continue;
    const ids = dets.map((d) => d.id);
    const example = group.genera.slice(0, 3).join(', ');
    const tol = 0.05;
    const inBand = (rho: number) => rho >= group.densityGcm3[0] - tol && rho <= group.densityGcm3[1] + tol;
    // Declared wood species with a known reference density.
    const declared = woodDecls
      .filter((d) => d.species)
      .map((d) => ({ decl: d, rho: input.species.densityOf(d.species!) ?? input.species.densityOf(genusOf(d.species!)) }))
      .filter((x): x is { decl: ManifestDeclaration; rho: number } => x.rho !== undefined);
    const consistent = declared.filter((x) => inBand(x.rho));
    if (group.citesListed) {
      // A permit counts only on a wood line of a genus in this group (or a line naming no species).
      const permitted = woodDecls.some((d) => d.citesPermit && (!d.species || group.genera.includes(genusOf(d.species))));
      // A declared non-listed species of the same density band cannot be told apart by X-ray
      // physics; that case passes here and is listed among the model's limits.
      const unlistedLookalike = consistent.some((x) => !input.species.isCitesListed(x.decl.species!));
      if (!permitted && !unlistedLookalike) {
        reasons.push({
          code: 'cites_timber_without_permit',
          message: `timber consistent with a ${fmtBand(group.densityGcm3)} ${group.label} such as ${example} (CITES-listed) and no CITES permit is declared for it`,
          detectionIds: ids,
        });
      }
    }
    if (consistent.length === 0) {
      for (const { decl, rho } of declared) {
        reasons.push({
          code: 'declared_species_mismatch',
          message: `declared ${decl.species} (${rho.toFixed(2)} g/cm³), image consistent with a ${fmtBand(group.densityGcm3)} ${group.label} such as ${example}`,
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
