/**
 * What the system knows about a scan as it arrived: the domain's scan metadata. The on-disk
 * package format (scanner-adapter/src/scan-package, docs/scan-package.md) reads into this shape;
 * everything downstream (worker, store, API) works with it and never with the package reader.
 */

export const SCAN_PACKAGE_FORMAT = 'xray-scan-package/1' as const;
/** Detector reading with nothing in the beam when scan.json gives none. */
export const DEFAULT_AIR_VALUE = 65535;

export type Energy = 'high' | 'low';

export type SourceSpec =
  | { kind: 'linac'; highMeV: number; lowMeV?: number }
  | { kind: 'tube'; highKVp: number; lowKVp?: number };

export type ConveyanceType = 'container' | 'truck' | 'pallet' | 'parcel';

export interface ManifestDeclaration {
  hsCode: string;
  description: string;
  /** Botanical or zoological name as declared, e.g. "Pinus sylvestris". */
  species?: string;
  quantity?: number;
  unit?: string;
  citesPermit?: string;
}

export interface ScanMetadata {
  format: typeof SCAN_PACKAGE_FORMAT;
  scanId: string;
  laneId: string;
  /** ISO-8601 timestamp with offset or Z. */
  scannedAt: string;
  scanner?: { vendor?: string; model?: string; serial?: string };
  source: SourceSpec;
  /** x = along the direction of travel (image width), y = vertical (image height). */
  pixelSpacingMm: { x: number; y: number };
  images: { high: string; low?: string };
  /** Detector reading with nothing in the beam; transmission T = value / airValue. */
  airValue: number;
  conveyance?: { type: ConveyanceType; id?: string };
  manifest?: { declarations: ManifestDeclaration[] };
}

