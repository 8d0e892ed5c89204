/**
 * Types of the on-disk scan package format `xray-scan-package/1`.
 * The prose specification is docs/scan-package.md; the reader/validator in this folder
 * is the only code that parses packages. Everything downstream works with these types.
 */
import type { ScanMetadata } from '#services/core/scan-metadata.ts';

export {
  DEFAULT_AIR_VALUE,
  SCAN_PACKAGE_FORMAT,
  type ConveyanceType,
  type Energy,
  type ManifestDeclaration,
  type ScanMetadata,
  type SourceSpec,
} from '#services/core/scan-metadata.ts';

export const SCAN_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;


/** A decoded, validated package as the reader returns it. Pixels are not loaded here. */
export interface ScanPackage {
  dir: string;
  metadata: ScanMetadata;
  /** scan.json exactly as read, so callers can hash what arrived without reading it again. */
  metadataBytes: Buffer;
  /** Absolute paths of the image files, keyed by energy. */
  imagePaths: { high: string; low?: string };
  width: number;
  height: number;
}

/** Ground truth written by the simulator (truth.json). Never read by the analysis path. */
export type TruthClass =
  | 'ivory'
  | 'rhino_horn'
  | 'timber'
  | 'cattle_horn'
  | 'bone'
  | 'resin_replica'
  | 'plastic_replica'
  | 'pvc_pipe'
  | 'dense_hardwood'
  | 'machinery'
  | 'cargo'
  | 'packaging_wood';

export type Concealment = 'open' | 'in_log' | 'among_timber' | 'behind_steel' | 'wrapped' | 'among_horns' | 'tip';

export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TruthObject {
  id: string;
  class: TruthClass;
  /** Genus/species for timber (e.g. "Dalbergia cochinchinensis"), otherwise omitted. */
  species?: string;
  /** Reference density used, g/cm³. */
  densityGcm3?: number;
  boundingBox: BoundingBox;
  concealment: Concealment;
  /** Free-form details (e.g. "hollow pulp cavity", "cut piece"). */
  notes?: string;
  /**
   * The object's mask inside the package, e.g. "masks/<id>.png": 8-bit one-channel PNG of the
   * image's size, non-zero on the object (docs/scan-package.md; written by npm run tip, read by
   * models/evaluation/labelled-scans.ts readObjectMasks). Absent: training uses the filled box.
   */
  mask?: string;
}

export interface ScanTruth {
  format: 'xray-scan-truth/1';
  scanId: string;
  scenario: string;
  seed: number;
  /** Dose setting: photons per pixel in air for the high-energy channel. */
  dose: number;
  objects: TruthObject[];
  /** Manifest honesty as generated: which declarations are false and why. */
  manifestTruth: { honest: boolean; notes: string[] };
  /**
   * The virtual scanner that made the scan (docs/simulator.md): its family, serial, and whether the
   * family is held out of training. Absent for the legacy single scanner.
   */
  scanner?: { family: string; serial: string; heldOut: boolean };
}
