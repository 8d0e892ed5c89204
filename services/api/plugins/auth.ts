/** TODO(AUTH helper): placeholder for the authentication hook (see ../access.ts). */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../deps.ts';

export async function registerAuth(app: FastifyInstance, _deps: ApiDeps): Promise<void> {
  app.decorateRequest('actor', null);
}
