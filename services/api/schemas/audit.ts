/** Request and response schemas of /v1/audit (allow-lists, from the vocabularies in services/core/audit.ts). */
import { Type, type Static } from '@sinclair/typebox';
import { AUDIT_ACTIONS } from '../../core/audit.ts';
import { BREAK_REASONS } from '../../audit/audit-service.ts';
import { Nullable } from './common.ts';

const Action = Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)));
const Id = Type.String({ minLength: 1, maxLength: 200 });

export const AuditQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Actor id (user id, key id or system role)' })),
  action: Type.Optional(Action),
  objectType: Type.Optional(Id),
  objectId: Type.Optional(Id),
  /** Newest first; the page continues below this sequence number. */
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'Cursor: entries with a lower sequence number (the previous page’s nextBefore)' })),
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

export const AuditPage = Type.Object({ items: Type.Array(AuditEntry), nextBefore: Nullable(Type.Integer()) });

export const VerifyResult = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  head: Type.Object({ seq: Type.Integer(), hash: Type.String() }),
  checkpoints: Type.Object({ checked: Type.Integer(), keyId: Nullable(Type.String()) }),
  firstBroken: Type.Optional(Type.Object({ seq: Type.Integer(), reason: Type.Union(BREAK_REASONS.map((r) => Type.Literal(r))), message: Type.String() })),
});

export const AuditExportQuery = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }),
});
export type AuditExportQuery = Static<typeof AuditExportQuery>;
