/** TODO: placeholder route module so parallel work has a slot in app.ts; replace with why it exists. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../deps.ts';

export const rejectionsRoutes: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (_app, { deps: _deps }) => {};
