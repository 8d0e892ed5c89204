/**
 * Child process for the audit concurrency test: opens the store configured by the environment,
 * prints "ready", waits for a line on stdin (so that two children start appending at the same
 * moment), prints "started <ms>", appends argv[2] audit entries tagged argv[3], prints
 * "done <ms>" and exits.
 */
import { once } from 'node:events';
import { systemActor } from '#services/core/access.ts';
import { loadConfig, storeOptions } from '#services/core/config.ts';
import { openStore } from '#services/store/database.ts';

const n = Number(process.argv[2]);
const tag = process.argv[3] ?? 'child';
const store = await openStore(storeOptions(loadConfig()));
try {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.pause();
  process.stdout.write(`started ${Date.now()}\n`);
  for (let i = 0; i < n; i++) {
    await store.audit.append({ actor: systemActor('cli'), action: 'scan.received', object: { type: 'scan', id: `${tag}-${i}` }, after: { i } });
  }
  process.stdout.write(`done ${Date.now()}\n`);
} finally {
  await store.close();
}
