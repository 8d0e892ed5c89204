/**
 * Authentication and per-route access for the whole API, as one onRequest hook over the
 * declarations in services/api/access.ts, plus the Fastify ecosystem's hardening plugins
 * (helmet headers, cookie parsing, rate limiting for the login route). Rules (who a token
 * belongs to, sessions, keys) live in services/access; this file only asks and compares.
 *
 * Credentials: `Authorization: Bearer <token>` (session token or API key), else the session
 * cookie. A state-changing request authenticated by the cookie must carry the session's CSRF
 * token in `x-csrf-token` (docs/access.md). Routes: no declaration → 403 and a warning (the
 * Swagger UI under /docs, registered by its plugin, is public); 'public' → anyone; otherwise
 * 401 without valid credentials, 403 with a role the route does not list.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createAccessService, type AccessService } from '../../access/service.ts';
import type { ApiDeps } from '../deps.ts';

export const SESSION_COOKIE = 'cxr_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** One access service per app (its deps: store and config), shared by the hook and the routes. */
const services = new WeakMap<ApiDeps, AccessService>();
export function accessService(deps: ApiDeps): AccessService {
  let s = services.get(deps);
  if (!s) {
    s = createAccessService(deps.store, { sessionTtlMinutes: deps.config.sessionTtlMinutes });
    services.set(deps, s);
  }
  return s;
}

/** The token a request presents, and how: the Authorization header wins over the cookie. */
export function credentialsOf(request: FastifyRequest): { token: string; via: 'bearer' | 'cookie' } | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? { token: m[1]!, via: 'bearer' } : null;
  }
  const fromCookie = request.cookies?.[SESSION_COOKIE];
  return fromCookie ? { token: fromCookie, via: 'cookie' } : null;
}

function deny(request: FastifyRequest, reply: FastifyReply, status: 401 | 403, error: string, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="cxr"');
  return reply.code(status).send({ error, message, requestId: request.id });
}

function isDocsRoute(url: string): boolean {
  return url === '/docs' || url.startsWith('/docs/');
}

export async function registerAuth(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const access = accessService(deps);
  app.decorateRequest('actor', null);

  // Security headers. The Swagger UI loads its scripts from /docs/static ('self'); no inline script.
  // HTTPS-only directives follow COOKIE_SECURE (set when served over HTTPS): on plain HTTP,
  // upgrade-insecure-requests would send the UI's own requests to an https:// that is not there.
  const https = deps.config.cookieSecure;
  await app.register(helmet, {
    global: true,
    hsts: https,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? [] : null } },
  });
  await app.register(cookie);
  // Only routes that ask for it (the login route) are limited; counters are per process.
  await app.register(rateLimit, { global: false });

  // Documents each route's access in the OpenAPI description and drops the security
  // requirement of public routes (the scheme itself is declared in plugins/swagger.ts).
  app.addHook('onRoute', (route) => {
    const roles = route.config?.roles;
    const schema = route.schema as ({ description?: string; security?: unknown[] } & Record<string, unknown>) | undefined;
    if (!schema || roles === undefined) return;
    if (roles === 'public') {
      schema.security = [];
    } else {
      const who = `Roles: ${roles.join(', ')}.`;
      // GET and its HEAD twin share one schema object: add the line once.
      if (!schema.description?.includes(who)) schema.description = schema.description ? `${schema.description}\n\n${who}` : who;
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (url === undefined) return; // no such route: the not-found handler answers
    let roles = request.routeOptions.config.roles;
    if (roles === undefined) {
      if (!isDocsRoute(url)) {
        request.log.warn({ method: request.method, route: url }, 'route declares no access (config.roles): refused to everyone');
        return deny(request, reply, 403, 'forbidden', 'this route is not open to anyone');
      }
      roles = 'public';
    }

    const cred = credentialsOf(request);
    if (roles === 'public') {
      // Who it is, when a client says so; a stale token on a public route is no error.
      if (cred) request.actor = (await access.authenticate(cred.token))?.actor ?? null;
      return;
    }

    if (!cred) return deny(request, reply, 401, 'unauthenticated', 'authentication required');
    const auth = cred.via === 'cookie' && cred.token.startsWith('cxk_') ? null : await access.authenticate(cred.token);
    if (!auth) {
      if (cred.via === 'cookie') reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return deny(request, reply, 401, 'unauthenticated', 'session or key is invalid or has ended');
    }
    if (cred.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (!access.csrfTokenMatches(cred.token, typeof presented === 'string' ? presented : undefined)) {
        return deny(request, reply, 403, 'forbidden', `a cookie-authenticated ${request.method} needs the session's CSRF token in ${CSRF_HEADER}`);
      }
    }
    if (auth.actor.role === null || !roles.includes(auth.actor.role)) {
      return deny(request, reply, 403, 'forbidden', `role ${auth.actor.role ?? 'none'} may not call ${request.method} ${url}`);
    }
    request.actor = auth.actor;
  });

  // Every start: the first-start admin, when there is no user yet.
  await access.bootstrap(app.log, deps.config.adminPassword);
}
