/**
 * The console's only way to the API: same-origin fetch with the httpOnly session cookie, the
 * session's CSRF token on every state-changing request (docs/access.md), JSON in and out, and
 * refusals as ApiError carrying the server's code and message (409 conflicts included).
 */
import createClient from 'openapi-fetch';
import type { paths } from './generated/api.ts';

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request answers 401: the session ended (logout elsewhere, expiry). */
export function onSessionEnded(fn: () => void): void {
  onUnauthenticated = fn;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> | null,
  ) {
    super(message);
  }
}

/**
 * The typed client: paths, parameters, bodies and answers come from the API's own OpenAPI
 * document (generated/api.ts, `npm run api:client`), so a call the server would refuse by its
 * schema does not compile. Same-origin, with the session cookie; the middleware adds the CSRF
 * token to every state-changing request.
 */
export const api = createClient<paths>({ credentials: 'same-origin', headers: { accept: 'application/json' } });
api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
});

type Answered<D> = Promise<{ data?: D; error?: unknown; response: Response }>;

/** The answer, or an ApiError with the server's code and message (a 401 ends the session). */
export async function ok<D>(call: Answered<D>, opts: { noSessionCheck?: boolean } = {}): Promise<D> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const body = (error && typeof error === 'object' ? error : null) as Record<string, unknown> | null;
    if (response.status === 401 && !opts.noSessionCheck) onUnauthenticated?.();
    throw new ApiError(response.status, String(body?.error ?? response.status), String(body?.message ?? (response.statusText || 'request failed')), body);
  }
  return data as D;
}

/** An If-Match header carrying an alert version (docs/review.md). */
export const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

/**
 * A POST that outlives the page (sent on pagehide or when a route is left): `keepalive`, so the
 * browser delivers it after the document is gone, with the CSRF header like every POST. Nobody
 * is left to read the answer; a refusal (409 on a stale version) changes nothing.
 */
export function releaseOnLeave(alertId: string, version: number, notes: string): void {
  void api
    .POST('/v1/alerts/{id}/release', { params: { path: { id: alertId } }, headers: ifMatch(version), body: { notes }, keepalive: true })
    .catch(() => {});
}

/** Query string from defined values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// ---- Response shapes: the server's, from the generated OpenAPI types ----

type Json<R> = R extends { 200: { content: { 'application/json': infer T } } }
  ? T
  : R extends { 201: { content: { 'application/json': infer T } } }
    ? T
    : never;
/** The JSON answer of a route, as its response schema declares it. */
export type Answer<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends { responses: infer R } ? Json<R> : never;
/** The JSON body a route accepts. */
export type Body<P extends keyof paths, M extends 'post'> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type Me = Answer<'/v1/auth/me', 'get'>;
export type AlertView = Answer<'/v1/alerts/{id}/claim', 'post'>;
export type AlertReason = AlertView['reasons'][number];
export type AlertDetail = Answer<'/v1/alerts/{id}', 'get'>;
export type ScanDetail = Answer<'/v1/scans/{scanId}', 'get'>;
export type Detection = ScanDetail['detections'][number];
export type ScanSummary = Answer<'/v1/scans', 'get'>['items'][number];
export type HeatmapView = Answer<'/v1/scans/{scanId}/heatmap', 'get'>;
