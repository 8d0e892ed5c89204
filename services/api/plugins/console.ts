/**
 * Serves the web console (services/console, built by Vite into services/console/dist) at `/`:
 * files under dist as they are, and index.html for any other path outside /v1 (the console
 * routes in the browser). One public route `GET /*`; the API's own routes (/v1, /docs, /healthz,
 * /metrics…) are more specific and win. Without a build, `/` answers 503 with how to make one.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

/** services/console/dist, from this file's place in the repository. */
export const CONSOLE_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

async function fileAt(root: string, urlPath: string): Promise<{ file: string; size: number } | null> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  const stat = await fs.stat(file).catch(() => null);
  return stat?.isFile() ? { file, size: stat.size } : null;
}

export async function registerConsole(app: FastifyInstance, root: string = CONSOLE_DIST): Promise<void> {
  app.get('/*', { config: { roles: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const urlPath = request.url.split('?')[0]!;
    if (urlPath === '/v1' || urlPath.startsWith('/v1/')) {
      return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${urlPath}`, requestId: request.id });
    }
    let found = urlPath === '/' ? null : await fileAt(root, urlPath);
    const isAsset = found !== null;
    // Hashed assets that are missing are a 404; any other path is a console route: index.html.
    if (!found && urlPath.startsWith('/assets/')) {
      return reply.code(404).send({ error: 'not_found', message: `no file ${urlPath}`, requestId: request.id });
    }
    found ??= await fileAt(root, 'index.html');
    if (!found) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web console is not built. With dev dependencies installed run `npm ci` (builds it) or `npm run build:console`, then reload.\nThe API itself is up: /docs, /v1/…\n');
    }
    reply
      .type(TYPES[path.extname(found.file)] ?? 'application/octet-stream')
      .header('content-length', found.size)
      // Vite names assets by content hash; index.html must be re-read to pick up a new build.
      .header('cache-control', isAsset && urlPath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    return reply.send(createReadStream(found.file));
  });
}
