/**
 * /v1/auth: log in (session token as httpOnly cookie and in the body for API clients), log out,
 * who am I, and changing one's own password. The login route is rate-limited per client IP and
 * username; every attempt is audited by the access service.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { STAFF, actorOf } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { SESSION_COOKIE, accessService, credentialsOf } from '../plugins/auth.ts';
import { ErrorResponse } from '../schemas/common.ts';
import { LoginBody, LoginResponse, MeResponse, PasswordChangeBody } from '../schemas/identity.ts';

export const authRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const access = accessService(deps);
  const { config } = deps;

  app.post(
    '/auth/login',
    {
      config: {
        roles: 'public',
        rateLimit: {
          max: config.loginRateLimit,
          timeWindow: 60_000,
          // After validation, so the key can include the username from the body.
          hook: 'preHandler',
          keyGenerator: (req) => `${req.ip}\n${String((req.body as { username?: unknown } | undefined)?.username ?? '').trim().toLowerCase()}`,
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Log in: sets the session cookie and returns the token for `Authorization: Bearer`',
        body: LoginBody,
        response: { 200: LoginResponse, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const result = await access.login(username, password, { ip: request.ip });
      if (!result) return reply.code(401).send({ error: 'unauthenticated', message: 'wrong username or password', requestId: request.id });
      reply.setCookie(SESSION_COOKIE, result.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: config.cookieSecure,
        expires: new Date(result.expiresAt),
      });
      return result;
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { roles: STAFF },
      schema: { tags: ['auth'], summary: 'Log out: ends this session and clears the cookie', response: { 204: { type: 'null' }, 401: ErrorResponse } },
    },
    async (request, reply) => {
      const cred = credentialsOf(request);
      if (cred) await access.logout(cred.token, actorOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      config: { roles: STAFF },
      schema: { tags: ['auth'], summary: 'The logged-in user (and the CSRF token of a cookie session)', response: { 200: MeResponse, 401: ErrorResponse } },
    },
    async (request) => {
      const actor = actorOf(request);
      const cred = credentialsOf(request)!;
      const auth = await access.authenticate(cred.token);
      return {
        kind: actor.kind === 'api_key' ? ('api_key' as const) : ('user' as const),
        id: actor.id,
        name: actor.name,
        role: actor.role ?? '',
        lanes: actor.lanes,
        expiresAt: auth?.expiresAt ?? null,
        csrfToken: auth?.via === 'session' ? access.csrfTokenFor(cred.token) : null,
      };
    },
  );

  app.post(
    '/auth/password',
    {
      config: { roles: STAFF },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (ends all your sessions; log in again)',
        body: PasswordChangeBody,
        response: { 204: { type: 'null' }, 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (request, reply) => {
      await access.changeOwnPassword(actorOf(request), request.body.currentPassword, request.body.newPassword);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );
};
