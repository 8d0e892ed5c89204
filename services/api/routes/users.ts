/**
 * /v1/users and /v1/api-keys: the admin's management of people and of lane-scoped ingest keys
 * (list, create, disable, set password; create and revoke keys). Every change is audited by the
 * access service; responses never carry password or key hashes, and a key's token is returned
 * only by the request that creates it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { PrincipalRole } from '../../core/access.ts';
import { actorOf } from '../access.ts';
import type { ApiDeps } from '../deps.ts';
import { accessService } from '../plugins/auth.ts';
import { ErrorResponse } from '../schemas/common.ts';
import {
  ApiKey,
  ApiKeyList,
  IdParams,
  NewApiKeyBody,
  NewApiKeyResponse,
  NewUserBody,
  PasswordSetBody,
  User,
  UserList,
} from '../schemas/identity.ts';

const ADMIN = ['admin'] as const satisfies readonly PrincipalRole[];
const Errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

export const usersRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const access = accessService(deps);

  app.get(
    '/users',
    { config: { roles: ADMIN }, schema: { tags: ['users'], summary: 'List users', response: { 200: UserList, ...Errors } } },
    async () => ({ items: await access.listUsers() }),
  );

  app.post(
    '/users',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['users'],
        summary: 'Create a user (operators need lanes; other roles take none)',
        body: NewUserBody,
        response: { 201: User, ...Errors },
      },
    },
    async (request, reply) => {
      const user = await access.createUser(actorOf(request), request.body);
      return reply.code(201).send(user);
    },
  );

  app.get(
    '/users/:id',
    { config: { roles: ADMIN }, schema: { tags: ['users'], summary: 'One user', params: IdParams, response: { 200: User, ...Errors } } },
    async (request) => access.getUser(request.params.id),
  );

  app.post(
    '/users/:id/disable',
    {
      config: { roles: ADMIN },
      schema: { tags: ['users'], summary: 'Disable a user and end its sessions', params: IdParams, response: { 200: User, ...Errors } },
    },
    async (request) => access.disableUser(actorOf(request), request.params.id),
  );

  app.post(
    '/users/:id/password',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['users'],
        summary: "Set a user's password and end its sessions",
        params: IdParams,
        body: PasswordSetBody,
        response: { 204: { type: 'null' }, ...Errors },
      },
    },
    async (request, reply) => {
      await access.setPassword(actorOf(request), request.params.id, request.body.password);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api-keys',
    { config: { roles: ADMIN }, schema: { tags: ['users'], summary: 'List API keys (never their tokens)', response: { 200: ApiKeyList, ...Errors } } },
    async () => ({ items: await access.listApiKeys() }),
  );

  app.post(
    '/api-keys',
    {
      config: { roles: ADMIN },
      schema: {
        tags: ['users'],
        summary: 'Create a lane-scoped ingest key; its token is in this answer only',
        body: NewApiKeyBody,
        response: { 201: NewApiKeyResponse, ...Errors },
      },
    },
    async (request, reply) => {
      const created = await access.createApiKey(actorOf(request), request.body);
      return reply.code(201).send(created);
    },
  );

  app.post(
    '/api-keys/:id/revoke',
    { config: { roles: ADMIN }, schema: { tags: ['users'], summary: 'Revoke an API key', params: IdParams, response: { 200: ApiKey, ...Errors } } },
    async (request) => access.revokeApiKey(actorOf(request), request.params.id),
  );
};
