/** Request and response schemas of /v1/audit (allow-lists, from the vocabularies in services/core/audit.ts and services/audit). */
import { Type, type Static } from '@sinclair/typebox';
import { AUDIT_ACTIONS } from '../../core/audit.ts';
import { BREAK_REASONS } from '../../audit/audit-service.ts';
import { AUDIT_EXPORT_FORMATS } from '../../audit/export.ts';
import { literals, Nullable } from './common.ts';

const Id = Type.String({ minLength: 1, maxLength: 200 });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });

export const AuditQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this time' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this time' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Actor id or name (user id or username, API key id or label, system role)' })),
  action: Type.Optional(literals(AUDIT_ACTIONS)),
  objectType: Type.Optional(Id),
  objectId: Type.Optional(Id),
  cursor: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'nextCursor of the previous page (entries are newest first)' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEntry = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.Object({ kind: Type.String(), id: Type.String(), name: Type.String() }),
  action: Type.String(),
  object: Nullable(Type.Object({ type: Type.String(), id: Type.String() })),
  before: Type.Unknown(),
  after: Type.Unknown(),
  prevHash: Type.String(),
  hash: Type.String(),
});

export const AuditPage = Type.Object({ items: Type.Array(AuditEntry), nextCursor: Nullable(Type.String()) });

export const VerifyResult = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer({ description: 'Entries checked' }),
  head: Type.Object({ seq: Type.Integer(), hash: Sha256 }),
  checkpoints: Type.Object({
    checked: Type.Integer(),
    keyId: Nullable(Sha256),
    lastSeq: Type.Integer({ description: 'Seq of the newest signed checkpoint (0: none)' }),
    unsigned: Type.Integer({ description: 'Entries after the newest checkpoint, not yet covered by a signature' }),
  }),
  firstBroken: Type.Optional(Type.Object({ seq: Type.Integer(), reason: literals(BREAK_REASONS), message: Type.String() })),
});

export const AuditExportQuery = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  format: literals(AUDIT_EXPORT_FORMATS, { default: 'csv' }),
});
export type AuditExportQuery = Static<typeof AuditExportQuery>;
