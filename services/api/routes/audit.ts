/**
 * /v1/audit: the audit trail for supervisors — browse it, verify its chain and checkpoints, export
 * a period. The signing key is the server's (config auditKeyFile); verification here trusts it,
 * `npm run audit:verify -- --public-key FILE` trusts only a key kept elsewhere.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditSigner, verifyChain } from '../../audit/audit-service.ts';
import type { AuditEntry } from '../../core/audit.ts';
import { toCsv } from '../../stats/stats-service.ts';
import { actorOf, SUPERVISION } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { AuditExportQuery, AuditPage, AuditQuery, VerifyResult } from '../schemas/audit.ts';
import { ErrorResponse } from '../schemas/common.ts';

/** Entries one export carries at most. */
const MAX_EXPORT = 500_000;

export const auditRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { store, config } = deps;
  let signer: AuditSigner | undefined;
  const signerOf = () => (signer ??= AuditSigner.load(config.auditKeyFile));

  app.get(
    '/audit',
    {
      config: { roles: SUPERVISION },
      schema: { tags: ['audit'], summary: 'Audit entries, newest first, with filters', querystring: AuditQuery, response: { 200: AuditPage, 400: ErrorResponse } },
    },
    async (request) => {
      const q = request.query;
      const items = await store.audit.list({
        order: 'desc',
        beforeSeq: q.before,
        from: q.from ? new Date(q.from).toISOString() : undefined,
        to: q.to ? new Date(q.to).toISOString() : undefined,
        actorId: q.actor,
        action: q.action,
        objectType: q.objectType,
        objectId: q.objectId,
        limit: q.limit,
      });
      return { items, nextBefore: items.length === q.limit ? items[items.length - 1]!.seq : null };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { roles: SUPERVISION },
      schema: { tags: ['audit'], summary: 'Verify the hash chain, its head and the signed checkpoints', response: { 200: VerifyResult } },
    },
    async () => verifyChain(store.audit, { publicKey: signerOf().publicKey }),
  );

  app.get(
    '/audit/export',
    {
      config: { roles: SUPERVISION },
      schema: { tags: ['audit'], summary: 'The audit entries of a period as CSV or JSON (this export is audited too)', querystring: AuditExportQuery },
    },
    async (request, reply) => {
      const q = request.query;
      const from = new Date(q.from).toISOString();
      const to = new Date(q.to).toISOString();
      if (!(from < to)) return reply.code(400).send({ error: 'bad_request', message: '`from` must be before `to`' });
      const items = await store.audit.list({ order: 'asc', from, to, limit: MAX_EXPORT });
      await store.audit.append({
        actor: actorOf(request),
        action: 'export.created',
        object: { type: 'export', id: `audit:${from}/${to}` },
        after: { kind: 'audit', from, to, format: q.format, rows: items.length },
      });
      reply.header('content-disposition', `attachment; filename="audit_${from.slice(0, 10)}_${to.slice(0, 10)}.${q.format}"`);
      if (q.format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify({ from, to, entries: items }));
      const flat = items.map((e: AuditEntry) => ({
        seq: e.seq,
        at: e.at,
        actorKind: e.actor.kind,
        actorId: e.actor.id,
        actorName: e.actor.name,
        action: e.action,
        objectType: e.object?.type ?? null,
        objectId: e.object?.id ?? null,
        before: JSON.stringify(e.before),
        after: JSON.stringify(e.after),
        prevHash: e.prevHash,
        hash: e.hash,
      }));
      return reply
        .type('text/csv; charset=utf-8')
        .send(toCsv(flat, ['seq', 'at', 'actorKind', 'actorId', 'actorName', 'action', 'objectType', 'objectId', 'before', 'after', 'prevHash', 'hash']));
    },
  );
};
