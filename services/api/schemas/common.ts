/**
 * Schemas shared by several routes. Response schemas are allow-lists: fast-json-stringify
 * emits only the properties declared here, so a field added to a record stays internal
 * until it is added to the API on purpose.
 */
import { Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';
import { DETECTION_CLASSES, SCAN_STATUSES } from '../../core/domain.ts';
import { ALERT_STATUSES } from '../../core/review.ts';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorResponse = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code, e.g. bad_request, not_found, internal' }),
    message: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
  },
);

/** Same rule as SCAN_ID_PATTERN in the scan-package format. */
export const ScanIdPattern = '^[A-Za-z0-9._-]{1,128}$';

export const Limit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size (max 200)' });
export const Cursor = Type.String({
  minLength: 1,
  maxLength: 1024,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'nextCursor of the previous page',
});
export const Since = Type.String({ format: 'date-time', description: 'ISO-8601 time; only items at or after it' });
export const LaneId = Type.String({ minLength: 1, maxLength: 128 });

/** A model version as a query value: `<modelId>@<version>` (split with modelKeyOf). */
export const ModelSpec = (description: string) => Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}@[A-Za-z0-9._+-]{1,64}$', description });

/** `<modelId>@<version>` → its parts (the version is after the last `@`). */
export function modelKeyOf(spec: string): { modelId: string; modelVersion: string } {
  const at = spec.lastIndexOf('@');
  return { modelId: spec.slice(0, at), modelVersion: spec.slice(at + 1) };
}

/** A union of the literals of a vocabulary defined once in services/core (`as const` arrays). */
export const literals = <T extends string>(values: readonly T[], options?: SchemaOptions) => Type.Union(values.map((v) => Type.Literal(v)), options);

export const ScanStatus = literals(SCAN_STATUSES);
export const DetectionClass = literals(DETECTION_CLASSES);
export const AlertStatus = literals(ALERT_STATUSES);

export const Box = Type.Object({ x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() });

export const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
