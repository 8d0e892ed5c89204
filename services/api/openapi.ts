/**
 * The API's OpenAPI document and the web console's types generated from it.
 *
 * The console (services/console) talks to this API through openapi-fetch, typed by
 * `services/console/src/generated/api.ts`: openapi-typescript's rendering of the document that
 * @fastify/swagger builds from the route schemas. The file is committed (the console builds
 * without a server) and `tests/console/api-client.test.ts` fails when it differs from what the
 * current routes produce, so a changed route schema cannot silently diverge from the console.
 *
 *   npm run api:client            rewrite services/console/src/generated/api.ts
 *   npm run api:client -- --check exit 1 when the committed file is stale
 *   npm run api:client -- --json out/openapi.json   also write the OpenAPI document
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { loadConfig } from '../core/config.ts';
import { isMain } from '../core/is-main.ts';
import { ImageStore } from '../storage/image-store.ts';
import { openStore } from '../store/database.ts';
import { buildApp } from './app.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const GENERATED_CLIENT_TYPES = path.join(ROOT, 'services/console/src/generated/api.ts');

/** The document served at /docs/json, built from the routes over a throwaway store (no Redis, no models). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-openapi-'));
  const store = await openStore({ sqlitePath: ':memory:' });
  try {
    const app = await buildApp(
      { config: loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), store, images: new ImageStore(path.join(dir, 'images')) },
      { logger: false, processMetrics: false },
    );
    try {
      await app.ready();
      return app.swagger() as unknown as Record<string, unknown>;
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const HEADER = `/**
 * GENERATED from the API's OpenAPI document by \`npm run api:client\` (services/api/openapi.ts,
 * openapi-typescript). Do not edit: change the route schemas in services/api and regenerate.
 * tests/console/api-client.test.ts fails when this file is stale.
 */
`;

/** The console's types for the current routes, as the committed file should read. */
export async function generatedClientTypes(doc?: Record<string, unknown>): Promise<string> {
  // Properties sorted, so the file changes only when a schema does (not when a route's code moves).
  const ast = await openapiTS((doc ?? (await openApiDocument())) as unknown as Parameters<typeof openapiTS>[0], { alphabetize: true });
  return HEADER + astToString(ast);
}

if (isMain(import.meta.url)) {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, json: { type: 'string' } } });
  const doc = await openApiDocument();
  if (values.json) await fs.writeFile(values.json, JSON.stringify(doc, null, 2) + '\n');
  const text = await generatedClientTypes(doc);
  const rel = path.relative(process.cwd(), GENERATED_CLIENT_TYPES);
  if (values.check) {
    const current = await fs.readFile(GENERATED_CLIENT_TYPES, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${rel} is stale: the API's routes changed. Run \`npm run api:client\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${rel} matches the API's OpenAPI document (${Object.keys((doc.paths as object) ?? {}).length} paths)`);
  } else {
    await fs.mkdir(path.dirname(GENERATED_CLIENT_TYPES), { recursive: true });
    await fs.writeFile(GENERATED_CLIENT_TYPES, text);
    console.log(`wrote ${rel} (${Object.keys((doc.paths as object) ?? {}).length} paths, ${text.length} bytes)`);
  }
}
