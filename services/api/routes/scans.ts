/**
 * /v1/scans: list, detail, image rendering and the models' heat maps. Operators see only their lanes' scans (the list is
 * filtered, another lane's scan is a 404 like a missing one); every image served is audited as
 * `image.viewed` and every heat map served as `heatmap.viewed` (one path, auditView), since both
 * are evidence.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { mayAccessLane, type Actor, type PrincipalRole } from '../../core/access.ts';
import { DEFAULT_AIR_VALUE } from '../../core/scan-metadata.ts';
import type { ScanRecord } from '../../core/domain.ts';
import { REVIEWERS, actorOf } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { parseWindow, RenderCache, renderPng } from '../render.ts';
import { ErrorResponse, modelKeyOf } from '../schemas/common.ts';
import { Heatmap, HeatmapQuery, ImageQuery, ScanDetail, ScanListQuery, ScanPage, ScanParams } from '../schemas/scans.ts';
import { scanDetail, scanSummary } from '../views.ts';

/** Binary bodies bypass serialisation; Unsafe types them for the handler and documents them for OpenAPI. */
const Binary = Type.Unsafe<Buffer | NodeJS.ReadableStream>({ type: 'string', format: 'binary' });

/** Who may see scans, their detections and their images: operators (own lanes), inspectors, supervisors. */
const SCAN_READERS = ['operator', ...REVIEWERS] as const satisfies readonly PrincipalRole[];

/** The scan if it exists and the actor may see its lane; another lane's scan looks missing. */
function visible(scan: ScanRecord | undefined, actor: Actor): ScanRecord | undefined {
  return scan && mayAccessLane(actor, scan.laneId) ? scan : undefined;
}

/**
 * Records a view of a scan's evidence (an image, a heat map) before the bytes leave: a view that
 * cannot be audited is not served. Appended on its own, right after the read it describes.
 */
async function auditView(deps: ApiDeps, actor: Actor, action: 'image.viewed' | 'heatmap.viewed', scan: ScanRecord, after: Record<string, unknown>): Promise<void> {
  await deps.store.audit.append({ actor, action, object: { type: 'scan', id: scan.scanId }, after: { laneId: scan.laneId, ...after } });
}

export const scanRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { store, images } = deps;
  // Rendered PNGs (the bytes behind a hash never change): 64 MB, least recently used out first.
  const renderCache = new RenderCache(64 * 1024 * 1024);

  app.get(
    '/scans',
    {
      config: { roles: SCAN_READERS },
      schema: {
        tags: ['scans'],
        summary: 'List scans, newest received first',
        querystring: ScanListQuery,
        response: { 200: ScanPage, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const actor = actorOf(request);
      const page = await store.scans.list({
        laneId: q.lane,
        laneIds: actor.lanes ?? undefined,
        status: q.status,
        verdict: q.verdict,
        // Stored times are UTC ISO strings compared as text; normalise offsets to match.
        since: q.since ? new Date(q.since).toISOString() : undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
      return { items: page.items.map(scanSummary), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/scans/:scanId',
    {
      config: { roles: SCAN_READERS },
      schema: {
        tags: ['scans'],
        summary: 'One scan with detections, alerts, manifest and images',
        params: ScanParams,
        response: { 200: ScanDetail, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { scanId } = request.params;
      const scan = visible(await store.scans.get(scanId), actorOf(request));
      if (!scan) return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" not found` });
      const [detections, alerts] = await Promise.all([store.detections.listByScan(scanId), store.alerts.listByScan(scanId)]);
      return scanDetail(scan, detections, alerts);
    },
  );

  app.get(
    '/scans/:scanId/image',
    {
      config: { roles: SCAN_READERS },
      schema: {
        tags: ['scans'],
        summary: 'Scan image: 8-bit PNG display rendering (dense = dark) or the stored 16-bit TIFF',
        params: ScanParams,
        querystring: ImageQuery,
        response: {
          200: {
            description: 'The image',
            content: { 'image/png': { schema: Binary }, 'image/tiff': { schema: Binary } },
          },
          400: ErrorResponse,
          404: ErrorResponse,
          410: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { scanId } = request.params;
      const q = request.query;
      const window = parseWindow(q.window); // before any IO: a bad window is a 400 either way
      const actor = actorOf(request);
      const scan = visible(await store.scans.get(scanId), actor);
      if (!scan) return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" not found` });
      const ref = scan.images.find((i) => i.energy === q.energy);
      if (!ref) return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" has no ${q.energy}-energy image` });
      await auditView(deps, actor, 'image.viewed', scan, { energy: ref.energy, sha256: ref.sha256, format: q.format });

      if (q.format === 'tiff') {
        const file = images.pathOf(ref.sha256);
        const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        });
        if (!stat) return reply.code(410).send({ error: 'gone', message: `the ${ref.energy}-energy image of scan "${scanId}" is no longer kept (retention)` });
        return reply
          .type('image/tiff')
          .header('content-length', stat.size)
          // Content-addressed: the bytes behind this hash never change.
          .header('etag', `"${ref.sha256}"`)
          .header('cache-control', 'private, max-age=86400, immutable')
          .send(createReadStream(file));
      }
      const airValue = scan.metadata.airValue ?? DEFAULT_AIR_VALUE;
      let gone = false;
      const png = await renderCache.get({ sha256: ref.sha256, airValue, window: q.window, maxWidth: q.maxWidth }, async () => {
        const bytes = await images.read(ref.sha256).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        });
        if (!bytes) {
          gone = true;
          return Buffer.alloc(0);
        }
        return renderPng(bytes, { airValue, window, maxWidth: q.maxWidth });
      });
      if (gone || png.length === 0) return reply.code(410).send({ error: 'gone', message: `the ${ref.energy}-energy image of scan "${scanId}" is no longer kept (retention)` });
      return reply.type('image/png').header('cache-control', 'private, max-age=3600').send(png);
    },
  );

  app.get(
    '/scans/:scanId/heatmap',
    {
      // The heat map is read beside the image in the review viewer: the reviewers' route.
      config: { roles: REVIEWERS },
      schema: {
        tags: ['scans'],
        summary: "A model's heat map of one class for a scan: 8-bit score cells on the model's output grid and where they lie on the image",
        params: ScanParams,
        querystring: HeatmapQuery,
        response: { 200: Heatmap, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { scanId } = request.params;
      const q = request.query;
      const actor = actorOf(request);
      const scan = visible(await store.scans.get(scanId), actor);
      if (!scan) return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" not found` });
      const model = q.model ? modelKeyOf(q.model) : undefined;
      const h = await store.heatmaps.get(scanId, q.class, model);
      if (!h) {
        return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" has no ${q.class} heat map${q.model ? ` of ${q.model}` : ''} (none is stored for this analysis: analysed before heat maps were kept — re-analyse to create one — or pruned with its images)` });
      }
      await auditView(deps, actor, 'heatmap.viewed', scan, { class: h.class, modelId: h.modelId, modelVersion: h.modelVersion, shadow: h.shadow });
      // Thresholds from the card when that model version is loaded (active or shadow).
      const reg = deps.models ? await deps.models().catch(() => null) : null;
      const card = reg ? [...reg.active, ...reg.shadow].find((m) => m.card.id === h.modelId && m.card.version === h.modelVersion)?.card : undefined;
      return {
        ...h,
        cellWidthMm: h.cellWidthPx * scan.metadata.pixelSpacingMm.x,
        cellHeightMm: h.cellHeightPx * scan.metadata.pixelSpacingMm.y,
        candidateScore: card?.candidateScore ?? null,
        threshold: card?.thresholds[h.class]?.score ?? null,
        data: h.data.toString('base64'),
      };
    },
  );
};
