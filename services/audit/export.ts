/**
 * Exports of the audit trail (GET /v1/audit/export): the entries of a period as CSV or JSON,
 * produced batch by batch while the response streams, so an export of any size needs little
 * memory. The JSON export carries every field of every entry and the signed checkpoints among
 * them, so an auditor can re-verify hashes and signatures outside the system (docs/audit.md).
 */
import { stringify } from 'csv-stringify/sync';
import type { AuditEntry } from '../core/audit.ts';
import type { AuditCheckpoint, AuditStore } from '../store/repositories/audit.ts';

export const AUDIT_EXPORT_FORMATS = ['csv', 'json'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export const AUDIT_CSV_COLUMNS = ['seq', 'at', 'actorKind', 'actorId', 'actorName', 'action', 'objectType', 'objectId', 'before', 'after', 'prevHash', 'hash'] as const;

export interface AuditExportRange {
  /** ISO-8601 UTC: entries with from <= at < to. */
  from: string;
  to: string;
  /** Entries up to this seq only (the head when the export started: the export's own entry is not in it). */
  throughSeq: number;
}

const BATCH = 1000;

/** Spreadsheets run a cell starting with one of these as a formula: such cells get a leading `'`. */
function guard(v: string | number | null): string | number | null {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

function csvRow(e: AuditEntry): (string | number | null)[] {
  return [
    e.seq,
    e.at,
    e.actor.kind,
    e.actor.id,
    e.actor.name,
    e.action,
    e.object?.type ?? null,
    e.object?.id ?? null,
    JSON.stringify(e.before),
    JSON.stringify(e.after),
    e.prevHash,
    e.hash,
  ].map(guard);
}

async function* entries(audit: AuditStore, range: AuditExportRange): AsyncGenerator<AuditEntry[]> {
  let afterSeq: number | undefined;
  for (;;) {
    const batch = await audit.list({ order: 'asc', from: range.from, to: range.to, afterSeq, throughSeq: range.throughSeq, limit: BATCH });
    if (batch.length) yield batch;
    if (batch.length < BATCH) return;
    afterSeq = batch[batch.length - 1]!.seq;
  }
}

/** The export as text chunks: CSV (RFC 4180 quoting, a header row) or one JSON document. */
export async function* auditExportChunks(audit: AuditStore, range: AuditExportRange, format: AuditExportFormat): AsyncGenerator<string> {
  if (format === 'csv') {
    yield stringify([[...AUDIT_CSV_COLUMNS]]);
    for await (const batch of entries(audit, range)) yield stringify(batch.map(csvRow));
    return;
  }
  yield `{"from":${JSON.stringify(range.from)},"to":${JSON.stringify(range.to)},"throughSeq":${range.throughSeq},"entries":[`;
  let first: number | undefined;
  let last: number | undefined;
  for await (const batch of entries(audit, range)) {
    yield (first === undefined ? '\n' : ',\n') + batch.map((e) => JSON.stringify(e)).join(',\n');
    first ??= batch[0]!.seq;
    last = batch[batch.length - 1]!.seq;
  }
  const checkpoints: AuditCheckpoint[] =
    first === undefined ? [] : (await audit.listCheckpoints()).filter((c) => c.seq >= first && c.seq <= last!);
  yield `\n],"checkpoints":${JSON.stringify(checkpoints)}}\n`;
}
