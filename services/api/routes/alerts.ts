/**
 * /v1/alerts: the review workflow over HTTP — list and read alerts (with review state, your seen
 * flag and the history), claim, release, decide, mark seen. The rules live in the review service
 * (services/review); this file maps HTTP to it: If-Match / body `version` for optimistic
 * concurrency, ETag = the alert version, the service's refusals as 4xx with their own codes.
 * There is deliberately no bulk decision: every alert is decided on its own version.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ReviewError } from '../../review/errors.ts';
import { createReviewService } from '../../review/service.ts';
import { REVIEWERS, actorOf } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import {
  AlertDetail,
  AlertListQuery,
  AlertPage,
  AlertParams,
  AlertView,
  ClaimBody,
  DecisionBody,
  HistoryResponse,
  IfMatchHeaders,
  ReviewErrorResponse,
  SeenResponse,
} from '../schemas/alerts.ts';
import { ErrorResponse } from '../schemas/common.ts';

/** Who may read alerts (operators: of their lanes, checked by the service). */
export const ALERT_READERS = ['operator', ...REVIEWERS] as const;

/**
 * Answers the review service's refusals with their own code (illegal_transition, claimed,
 * conflict with the alert's current state, version_required…); anything else goes on to the
 * app's error handler.
 */
export function reviewErrors(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    if (!(err instanceof ReviewError)) throw err;
    return reply.code(err.statusCode).send({
      error: err.code,
      message: err.message,
      requestId: request.id,
      ...(err.current ? { current: err.current } : {}),
    });
  });
}

/** The version a write was made on: If-Match ("4", W/"4" or 4) and/or body `version`, which must agree. */
export function requestVersion(ifMatch: string | undefined, body: number | undefined): number | undefined {
  let header: number | undefined;
  if (ifMatch !== undefined && ifMatch.trim() !== '') {
    const m = /^\s*(?:W\/)?"?(\d{1,12})"?\s*$/.exec(ifMatch);
    if (!m) throw new ReviewError('bad_request', `If-Match must be the alert version as given in its ETag, e.g. "4"; got ${ifMatch}`);
    header = Number(m[1]);
  }
  if (header !== undefined && body !== undefined && header !== body) {
    throw new ReviewError('bad_request', `If-Match (${header}) and body version (${body}) disagree`);
  }
  return header ?? body;
}

/** Claim and release may come without a body: validate them as an empty object. */
async function emptyBody(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

function etag(reply: FastifyReply, version: number): void {
  reply.header('etag', `"${version}"`);
}

const refusals = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ReviewErrorResponse };

export const alertRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const reviews = createReviewService({ store: deps.store, claimMinutes: deps.config.alertClaimMinutes });
  reviewErrors(app);

  app.get(
    '/alerts',
    {
      config: { roles: ALERT_READERS },
      schema: {
        tags: ['alerts'],
        summary: 'List alerts, newest first or sort=priority (wildlife first, score, oldest first); status as of now (an expired claim is open); assignee=me: your claims',
        querystring: AlertListQuery,
        response: { 200: AlertPage, ...refusals },
      },
    },
    async (request) => {
      const q = request.query;
      return reviews.list(actorOf(request), {
        order: q.sort,
        status: q.status,
        assignee: q.assignee,
        lane: q.lane,
        class: q.class,
        since: q.since ? new Date(q.since).toISOString() : undefined,
        limit: q.limit,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/alerts/:id',
    {
      config: { roles: ALERT_READERS },
      schema: {
        tags: ['alerts'],
        summary: 'One alert with its review state, whether you have seen it, its history and what you can do with it (ETag: its version)',
        params: AlertParams,
        response: { 200: AlertDetail, ...refusals },
      },
    },
    async (request, reply) => {
      const alert = await reviews.get(actorOf(request), request.params.id);
      etag(reply, alert.review.version);
      return alert;
    },
  );

  app.get(
    '/alerts/:id/history',
    {
      config: { roles: ALERT_READERS },
      schema: {
        tags: ['alerts'],
        summary: 'Every transition of an alert, oldest first: actor, time, notes, decision',
        params: AlertParams,
        response: { 200: HistoryResponse, ...refusals },
      },
    },
    async (request) => ({ items: await reviews.history(actorOf(request), request.params.id) }),
  );

  // Claim and release take the same request and answer the same way; only the service call differs.
  const claimActions = [
    { action: 'claim', summary: 'Claim an open alert for review (or renew your claim); it expires after ALERT_CLAIM_MINUTES', run: reviews.claim.bind(reviews) },
    { action: 'release', summary: 'Give your claim back: the alert is open again', run: reviews.release.bind(reviews) },
  ] as const;
  for (const { action, summary, run } of claimActions) {
    app.post(
      `/alerts/:id/${action}`,
      {
        config: { roles: REVIEWERS },
        schema: {
          tags: ['alerts'],
          summary,
          params: AlertParams,
          headers: IfMatchHeaders,
          body: ClaimBody,
          response: { 200: AlertView, ...refusals },
        },
        preValidation: emptyBody,
      },
      async (request, reply) => {
        const body = request.body;
        const alert = await run(actorOf(request), request.params.id, {
          version: requestVersion(request.headers['if-match'], body.version),
          notes: body.notes,
        });
        etag(reply, alert.review.version);
        return alert;
      },
    );
  }

  app.post(
    '/alerts/:id/decision',
    {
      config: { roles: REVIEWERS },
      schema: {
        tags: ['alerts'],
        summary: 'Decide one alert: clear (with reason), refer, escalate, seize (with seizure) or nothing_found, on the version you read',
        description:
          'Needs the version the decision was taken on (If-Match: "<version>" or body "version"): without it 428 version_required; ' +
          'if the alert changed meanwhile 409 conflict naming who changed it. Only the claim holder or a supervisor decides an ' +
          'in_review alert; only a supervisor an escalated one. There is no bulk decision.',
        params: AlertParams,
        headers: IfMatchHeaders,
        body: DecisionBody,
        response: { 200: AlertView, ...refusals, 428: ErrorResponse },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const alert = await reviews.decide(actorOf(request), request.params.id, {
        decision: b.decision,
        reason: b.reason,
        seizure: b.seizure,
        notes: b.notes,
        version: requestVersion(request.headers['if-match'], b.version),
      });
      etag(reply, alert.review.version);
      return alert;
    },
  );

  app.post(
    '/alerts/:id/seen',
    {
      config: { roles: ALERT_READERS },
      schema: {
        tags: ['alerts'],
        summary: 'Mark an alert seen by you (per user; does not change the alert)',
        params: AlertParams,
        response: { 200: SeenResponse, ...refusals },
      },
    },
    async (request) => {
      const seen = await reviews.markSeen(actorOf(request), request.params.id);
      return { alertId: request.params.id, ...seen };
    },
  );
};
