/**
 * The console's only way to the API: same-origin fetch with the httpOnly session cookie, the
 * session's CSRF token on every state-changing request (docs/access.md), JSON in and out, and
 * refusals as ApiError carrying the server's code and message (409 conflicts included).
 */
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

export interface ApiResult<T> {
  data: T;
  etag: string | null;
}

export async function request<T>(
  method: 'GET' | 'POST',
  path: string,
  opts: { body?: unknown; ifMatch?: number; noSessionCheck?: boolean } = {},
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
  }
  if (opts.ifMatch !== undefined) headers['if-match'] = `"${opts.ifMatch}"`;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: method === 'GET' ? undefined : JSON.stringify(opts.body ?? {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const body = (json && typeof json === 'object' ? json : null) as Record<string, unknown> | null;
    if (res.status === 401 && !opts.noSessionCheck) onUnauthenticated?.();
    throw new ApiError(res.status, String(body?.error ?? res.status), String(body?.message ?? res.statusText ?? 'request failed'), body);
  }
  return { data: json as T, etag: res.headers.get('etag') };
}

/**
 * A POST that outlives the page (sent on pagehide or when a route is left): fetch with
 * `keepalive`, so the browser delivers it after the document is gone, with the CSRF header like
 * every POST. Nobody is left to read the answer; a refusal (409 on a stale version) changes nothing.
 */
export function postOnLeave(path: string, body: unknown, ifMatch?: number): void {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  if (csrfToken) headers['x-csrf-token'] = csrfToken;
  if (ifMatch !== undefined) headers['if-match'] = `"${ifMatch}"`;
  void fetch(path, { method: 'POST', headers, credentials: 'same-origin', keepalive: true, body: JSON.stringify(body ?? {}) }).catch(() => {});
}

export const get = <T>(path: string) => request<T>('GET', path).then((r) => r.data);
export const post = <T>(path: string, body?: unknown, ifMatch?: number) => request<T>('POST', path, { body, ifMatch }).then((r) => r.data);

/** Query string from defined values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// ---- Response shapes (the parts the console reads; see services/api/schemas) ----

export interface Me {
  kind: 'user' | 'api_key';
  id: string;
  name: string;
  role: string;
  lanes: string[] | null;
  csrfToken: string | null;
}

export interface User {
  id: string;
  name: string;
}

export interface AlertReason {
  code: string;
  message: string;
  detectionIds: string[];
}

export interface AlertView {
  id: string;
  scanId: string;
  laneId: string;
  modelId: string;
  modelVersion: string;
  class: string;
  score: number;
  status: string;
  reasons: AlertReason[];
  createdAt: string;
  seenAt: string | null;
  review: {
    version: number;
    assignee: User | null;
    claimExpiresAt: string | null;
    decidedAt: string | null;
    decidedBy: User | null;
    decision: { decision: string; reason?: string; notes?: string; seizure?: { species: string; count: number; weightKg: number } } | null;
  };
}

export interface AlertDetail extends AlertView {
  history: Array<{ version: number; at: string; actor: { name: string }; action: string; from: string; to: string; notes: string | null }>;
  actions: string[];
}

export interface Detection {
  id: string;
  modelId: string;
  modelVersion: string;
  class: string;
  species: string | null;
  score: number;
  box: { x: number; y: number; width: number; height: number };
  boxMm: { x: number; y: number; width: number; height: number };
  densityGcm3: number | null;
  aboveThreshold: boolean;
  shadow: boolean;
}

export interface ScanDetail {
  scanId: string;
  laneId: string;
  scannedAt: string;
  receivedAt: string;
  status: string;
  verdict: string | null;
  verdictReasons: Array<{ code: string; message: string }>;
  source: { kind: 'linac' | 'tube' };
  pixelSpacingMm: { x: number; y: number };
  airValue: number;
  manifest: { declarations: Array<{ hsCode: string; description: string; species?: string; quantity?: number; unit?: string; citesPermit?: string }> };
  images: Array<{ energy: 'high' | 'low'; width: number; height: number }>;
  detections: Detection[];
  alerts: Array<{ id: string; class: string; score: number; status: string; reasons: AlertReason[] }>;
}

export interface ScanSummary {
  scanId: string;
  laneId: string;
  scannedAt: string;
  receivedAt: string;
  status: string;
  verdict: string | null;
  failureReason: string | null;
  updatedAt: string;
}

/** GET /v1/scans/:id/heatmap: one class's score cells and where they lie on the image. */
export interface HeatmapView {
  scanId: string;
  modelId: string;
  modelVersion: string;
  class: string;
  width: number;
  height: number;
  cellWidthPx: number;
  cellHeightPx: number;
  cellWidthMm: number;
  cellHeightMm: number;
  scanWidth: number;
  scanHeight: number;
  maxScore: number;
  candidateScore: number | null;
  threshold: number | null;
  encoding: string;
  data: string;
}
