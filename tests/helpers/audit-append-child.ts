/** Child process for tests: appends argv[2] audit entries to the store configured by the environment, then exits. */
import { systemActor } from '#services/core/access.ts';
import { loadConfig, storeOptions } from '#services/core/config.ts';
import { openStore } from '#services/store/database.ts';

const n = Number(process.argv[2]);
const tag = process.argv[3] ?? 'child';
const store = await openStore(storeOptions(loadConfig()));
try {
  for (let i = 0; i < n; i++) {
    await store.audit.append({ actor: systemActor('cli'), action: 'scan.received', object: { type: 'scan', id: `${tag}-${i}` }, after: { i } });
  }
} finally {
  await store.close();
}
