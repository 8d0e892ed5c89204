/** /v1/scans: list, detail and image rendering. */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { DEFAULT_AIR_VALUE } from '../../core/scan-metadata.ts';
import type { ApiDeps } from '../deps.ts';
import { parseWindow, renderPng } from '../render.ts';
import { ErrorResponse } from '../schemas/common.ts';
import { ImageQuery, ScanDetail, ScanListQuery, ScanPage, ScanParams } from '../schemas/scans.ts';
import { scanDetail, scanSummary } from '../views.ts';

/** Binary bodies bypass serialisation; Unsafe types them for the handler and documents them for OpenAPI. */
const Binary = Type.Unsafe<Buffer | NodeJS.ReadableStream>({ type: 'string', format: 'binary' });

export const scanRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { store, images } = deps;

  app.get(
    '/scans',
    {
      schema: {
        tags: ['scans'],
        summary: 'List scans, newest received first',
        querystring: ScanListQuery,
        response: { 200: ScanPage, 400: ErrorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await store.scans.list({
        laneId: q.lane,
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
      schema: {
        tags: ['scans'],
        summary: 'One scan with detections, alerts, manifest and images',
        params: ScanParams,
        response: { 200: ScanDetail, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { scanId } = request.params;
      const scan = await store.scans.get(scanId);
      if (!scan) return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" not found` });
      const [detections, alerts] = await Promise.all([store.detections.listByScan(scanId), store.alerts.listByScan(scanId)]);
      return scanDetail(scan, detections, alerts);
    },
  );

  app.get(
    '/scans/:scanId/image',
    {
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
        },
      },
    },
    async (request, reply) => {
      const { scanId } = request.params;
      const q = request.query;
      const window = parseWindow(q.window); // before any IO: a bad window is a 400 either way
      const scan = await store.scans.get(scanId);
      if (!scan) return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" not found` });
      const ref = scan.images.find((i) => i.energy === q.energy);
      if (!ref) return reply.code(404).send({ error: 'not_found', message: `scan "${scanId}" has no ${q.energy}-energy image` });

      if (q.format === 'tiff') {
        const file = images.pathOf(ref.sha256);
        const stat = await fs.stat(file); // a missing file is a server fault (500), not a client one
        return reply
          .type('image/tiff')
          .header('content-length', stat.size)
          // Content-addressed: the bytes behind this hash never change.
          .header('etag', `"${ref.sha256}"`)
          .header('cache-control', 'private, max-age=86400, immutable')
          .send(createReadStream(file));
      }
      const png = await renderPng(await images.read(ref.sha256), {
        airValue: scan.metadata.airValue ?? DEFAULT_AIR_VALUE,
        window,
        maxWidth: q.maxWidth,
      });
      return reply.type('image/png').header('cache-control', 'private, max-age=3600').send(png);
    },
  );
};
