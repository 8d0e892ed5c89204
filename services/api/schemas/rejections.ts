/** Request and response schemas of /v1/rejections (allow-lists). */
import { Type, type Static } from '@sinclair/typebox';
import { Cursor, LaneId, Limit, Nullable, Since } from './common.ts';

export const RejectionListQuery = Type.Object({
  lane: Type.Optional(LaneId),
  since: Type.Optional(Since),
  limit: Limit,
  cursor: Type.Optional(Cursor),
});
export type RejectionListQuery = Static<typeof RejectionListQuery>;

export const Rejection = Type.Object({
  id: Type.String(),
  packageName: Type.String({ description: 'Name of the package as it arrived in the inbox' }),
  kind: Type.Union([Type.Literal('scan'), Type.Literal('calibration'), Type.Literal('unknown')]),
  laneId: Nullable(Type.String({ description: 'null when the package could not be read that far' })),
  scanId: Nullable(Type.String()),
  code: Type.String({ description: 'Machine-readable reason, e.g. implausible_value, not_tiff, scan_id_conflict (docs/scan-package.md)' }),
  message: Type.String(),
  field: Nullable(Type.String()),
  rejectedAt: Type.String(),
  quarantinedAs: Type.String({ description: 'Folder under the rejected directory holding the package and its reason.json' }),
});

export const RejectionPage = Type.Object({ items: Type.Array(Rejection), nextCursor: Nullable(Type.String()) });
