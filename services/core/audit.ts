/**
 * The audit trail's vocabulary and its hash chain, defined once. Every evidence- or
 * security-relevant event is an entry; each entry's hash covers its canonical form and the
 * previous entry's hash, so editing, deleting or reordering a stored row breaks the chain at
 * that row (verify names it), and signed checkpoints of the chain head make rewriting the
 * whole chain detectable too.
 */
import { createHash } from 'node:crypto';
import type { Actor } from './access.ts';

export const AUDIT_ACTIONS = [
  // Scans and analysis
  'scan.received',
  'scan.rejected',
  'scan.analysed',
  'scan.failed',
  'scan.reanalyse_requested',
  'scan.inspection_recorded',
  'alert.raised',
  // Review
  'alert.claimed',
  'alert.released',
  'alert.claim_expired',
  'alert.decided',
  'alert.seen',
  // Evidence access and exports
  'image.viewed',
  'heatmap.viewed',
  'export.created',
  // Security
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'user.created',
  'user.updated',
  'user.disabled',
  'user.password_changed',
  'api_key.created',
  'api_key.revoked',
  // Models and scanners
  'model.promoted',
  'calibration.accepted',
  'calibration.refused',
  // Retention: what was deleted, when, by whose run
  'data.pruned',
  // The trail itself
  'audit.checkpoint',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** prevHash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller hands to the audit trail; the trail adds sequence, time (if absent) and hashes. */
export interface AuditInput {
  actor: Pick<Actor, 'kind' | 'id' | 'name'>;
  action: AuditAction;
  /** What the action was about, e.g. { type: 'alert', id: 'alt-…' }; null for e.g. a failed login of an unknown user. */
  object: { type: string; id: string } | null;
  /** State before and after (JSON values), where the action changes something. */
  before?: unknown;
  after?: unknown;
  /** ISO-8601 UTC; defaults to the time of appending. */
  at?: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: { kind: string; id: string; name: string };
  action: AuditAction;
  object: { type: string; id: string } | null;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

/** JSON with object keys sorted at every level: one byte string per value, on any database. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A text field (actor, object, action, time) as both databases store it: a lone UTF-16 surrogate
 * (e.g. a username cut with slice()) is written to SQLite and PostgreSQL as U+FFFD, and PostgreSQL
 * refuses NUL, so both become U+FFFD before hashing; otherwise the stored entry would not hash to
 * its own hash and verification would report tampering that never happened.
 */
export function auditText(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD').replace(/\0/g, '\uFFFD');
}

/**
 * A before/after value as it reads back from its stored JSON (a Date becomes its ISO string,
 * undefined becomes null, …), so the hash covers exactly what a verifier will read.
 */
export function auditJson(value: unknown): unknown {
  const text = JSON.stringify(value ?? null) as string | undefined;
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/** sha-256 (hex) over the previous hash and the canonical entry without its own hash. */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    object: entry.object,
    before: entry.before ?? null,
    after: entry.after ?? null,
    prevHash: entry.prevHash,
  });
  return createHash('sha256').update(entry.prevHash).update('\n').update(body).digest('hex');
}
