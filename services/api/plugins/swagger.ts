/** OpenAPI document generated from the route schemas; UI at /docs, JSON at /docs/json. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Cargo X-ray wildlife inspection API',
        description:
          'Scans, AI detections and alerts for ivory, rhino horn and CITES timber. Results are AI-assisted and require inspector confirmation.',
        version: '1',
      },
      tags: [
        { name: 'scans', description: 'Scans, their analysis results and images' },
        { name: 'alerts', description: 'Alerts raised by the analysis' },
        { name: 'models', description: 'Loaded detection models' },
        { name: 'calibrations', description: 'Scanner calibration profiles fitted from calibration packages, per scanner serial' },
        { name: 'events', description: 'Live server-sent events' },
        { name: 'ops', description: 'Health, readiness and metrics' },
        { name: 'auth', description: 'Log in and out (docs/access.md)' },
        { name: 'users', description: 'Users and API keys (admin)' },
      ],
      // Access (docs/access.md): a session token or API key as bearer, or the session cookie;
      // routes open to anyone override this with an empty requirement (plugins/auth.ts).
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Session token from POST /v1/auth/login, or an API key' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'cxr_session', description: 'Session cookie; state-changing requests also send x-csrf-token' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    // Only routes that declare tags are published (the UI's own routes are not).
    hideUntagged: true,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
