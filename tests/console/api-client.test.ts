/**
 * The console's API types are generated from the API's own OpenAPI document
 * (services/api/openapi.ts → services/console/src/generated/api.ts) and the console calls the API
 * only through the client typed by them. This fails when a route schema changed and the committed
 * types were not regenerated, so `tsc -p services/console` (part of `npm test`) checks the console
 * against the routes as they are, not as they were.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GENERATED_CLIENT_TYPES, generatedClientTypes, openApiDocument } from '#services/api/openapi.ts';

const CONSOLE_SRC = path.join(path.dirname(GENERATED_CLIENT_TYPES), '..');

describe('generated API client', () => {
  it('the committed types are what the current routes generate (else: npm run api:client)', async () => {
    const committed = await fs.readFile(GENERATED_CLIENT_TYPES, 'utf8');
    const fresh = await generatedClientTypes();
    // toBe on the whole file names the first differing line in the diff it prints.
    expect(committed, 'services/console/src/generated/api.ts is stale: run `npm run api:client` and commit it').toBe(fresh);
  });

  it('covers every published route, and a changed schema changes the types', async () => {
    const doc = await openApiDocument();
    const types = await generatedClientTypes(doc);
    for (const p of Object.keys(doc.paths as Record<string, unknown>)) expect(types).toContain(`"${p}": {`);
    // The drift check is only as good as the generator's sensitivity: a renamed response field must show.
    const edited = structuredClone(doc) as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> } }> };
    const props = edited.paths['/v1/scans/{scanId}/heatmap'].get.responses['200'].content['application/json'].schema.properties;
    props.maxScoreRenamed = props.maxScore;
    delete props.maxScore;
    const changed = await generatedClientTypes(edited as unknown as Record<string, unknown>);
    expect(changed).not.toBe(types);
    expect(changed).toContain('maxScoreRenamed');
  });

  it('the console reaches the API only through the typed client', async () => {
    // Raw fetch is allowed only where the answer is not JSON (the 16-bit TIFF) and EventSource for the stream.
    const files = (await fs.readdir(CONSOLE_SRC)).filter((f) => /\.tsx?$/.test(f));
    const offenders: string[] = [];
    for (const f of files) {
      const text = await fs.readFile(path.join(CONSOLE_SRC, f), 'utf8');
      if (f === 'tiff.ts') continue;
      if (/\bfetch\(/.test(text)) offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });
});
