/**
 * Per-route access, declared at the route and enforced by one hook (plugins/auth.ts):
 *
 *   app.get('/scans', { config: { roles: ['operator', 'inspector', 'supervisor'] }, schema: … }, handler)
 *   app.get('/healthz', { config: { roles: 'public' } }, handler)
 *
 * A route under /v1 without a declaration is refused to everyone (and the route × role test
 * fails). `request.actor` is the authenticated principal, or null on a public route.
 * Object-level checks (an operator sees only its lanes' scans) stay in the handlers and services,
 * through mayAccessLane() from services/core/access.ts.
 */
import type { Actor, PrincipalRole } from '../core/access.ts';

export type RouteAccess = readonly PrincipalRole[] | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; see services/api/access.ts. */
    roles?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated principal; null on public routes without credentials. */
    actor: Actor | null;
  }
}

/** The actor of an authenticated route; throws 401 if the hook let an anonymous request through. */
export function actorOf(request: { actor: Actor | null }): Actor {
  if (!request.actor) throw Object.assign(new Error('authentication required'), { statusCode: 401, code: 'unauthenticated' });
  return request.actor;
}

/** Common sets, so that route files read as policy. */
export const STAFF = ['operator', 'inspector', 'supervisor', 'admin'] as const satisfies readonly PrincipalRole[];
export const REVIEWERS = ['inspector', 'supervisor'] as const satisfies readonly PrincipalRole[];
export const SUPERVISION = ['supervisor', 'admin'] as const satisfies readonly PrincipalRole[];
