/**
 * /v1/audit: the audit trail for supervisors — browse it, verify its chain and checkpoints, export
 * a period. The signing key is the server's (config auditKeyFile); verification here trusts it,
 * `npm run audit:verify -- --public-key FILE` trusts only a key kept elsewhere.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditSigner, readLastSigned, verifyChain } from '../../audit/audit-service.ts';
import { auditExportChunks } from '../../audit/export.ts';
import { actorOf, SUPERVISION } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { AuditExportQuery, AuditPage, AuditQuery, VerifyResult } from '../schemas/audit.ts';
import { ErrorResponse } from '../schemas/common.ts';

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
        beforeSeq: q.cursor === undefined ? undefined : Number(q.cursor),
        from: q.from ? new Date(q.from).toISOString() : undefined,
        to: q.to ? new Date(q.to).toISOString() : undefined,
        actor: q.actor,
        action: q.action,
        objectType: q.objectType,
        objectId: q.objectId,
        limit: q.limit,
      });
      const last = items.at(-1);
      return { items, nextCursor: items.length === q.limit && last && last.seq > 1 ? String(last.seq) : null };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { roles: SUPERVISION },
      schema: { tags: ['audit'], summary: 'Verify the hash chain, its head and the signed checkpoints', response: { 200: VerifyResult } },
    },
    async () => {
      const s = signerOf();
      return verifyChain(store.audit, { publicKey: s.publicKey, checkpointEvery: config.auditCheckpointEvery, lastSigned: readLastSigned(s.lastSignedFile) });
    },
  );

  app.get(
    '/audit/export',
    {
      config: { roles: SUPERVISION },
      schema: {
        tags: ['audit'],
        summary: 'The audit entries of a period as CSV or JSON, streamed (the export is audited too)',
        querystring: AuditExportQuery,
      },
    },
    async (request, reply) => {
      const q = request.query;
      const from = new Date(q.from).toISOString();
      const to = new Date(q.to).toISOString();
      if (!(from < to)) return reply.code(400).send({ error: 'bad_request', message: '`from` must be before `to`', requestId: request.id });
      // The export covers the chain as it stands now; its own entry comes after it.
      const throughSeq = (await store.audit.head()).seq;
      await store.audit.append({
        actor: actorOf(request),
        action: 'export.created',
        object: { type: 'export', id: `audit:${from}/${to}` },
        after: { kind: 'audit', from, to, format: q.format, throughSeq },
      });
      reply.header('content-disposition', `attachment; filename="audit_${from.slice(0, 10)}_${to.slice(0, 10)}.${q.format}"`);
      reply.type(q.format === 'json' ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8');
      return reply.send(Readable.from(auditExportChunks(store.audit, { from, to, throughSeq }, q.format)));
    },
  );
};
