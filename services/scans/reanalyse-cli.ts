/**
 * `npm run reanalyse -- <scanId>… --reason "…"`: sends analysed or failed scans back to the queue
 * from the command line (the same path as POST /v1/scans/:id/reanalyse: the lifecycle moves each
 * to `queued` with a `scan.reanalyse_requested` audit entry, then a job of its own is added).
 */
import { parseArgs } from 'node:util';
import { systemActor } from '../core/access.ts';
import { loadConfig, storeOptions } from '../core/config.ts';
import { isMain } from '../core/is-main.ts';
import { JobName } from '../core/jobs.ts';
import { ScanTransitionError } from '../core/scan-lifecycle.ts';
import { JobProducer } from '../queue/queue-repository.ts';
import { openStore } from '../store/database.ts';
import { ScanLifecycle } from './lifecycle.ts';

export async function runReanalyseCli(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { reason: { type: 'string' } } });
  if (positionals.length === 0 || !values.reason || values.reason.trim().length < 3) {
    out('usage: npm run reanalyse -- <scanId> [<scanId>…] --reason "why (at least 3 characters)"');
    return 2;
  }
  const config = loadConfig();
  const store = await openStore(storeOptions(config));
  const producer = new JobProducer(config.redisUrl, config.queuePrefix);
  const actor = systemActor('cli');
  const lifecycle = new ScanLifecycle({ store, actor });
  let failed = 0;
  try {
    for (const scanId of positionals) {
      const scan = await store.scans.get(scanId);
      if (!scan) {
        out(`${scanId}: not found`);
        failed++;
        continue;
      }
      try {
        await lifecycle.queued(scanId, scan.laneId, { reanalysis: { requestedBy: actor, reason: values.reason } });
      } catch (err) {
        if (!(err instanceof ScanTransitionError)) throw err;
        out(`${scanId}: ${err.message}`);
        failed++;
        continue;
      }
      const run = Date.now().toString(36);
      await producer.add(JobName.AnalyseScan, { scanId, contentSha256: scan.contentSha256, run });
      out(`${scanId}: queued for re-analysis (run ${run})`);
    }
  } finally {
    await producer.close();
    await store.close();
  }
  return failed ? 1 : 0;
}

if (isMain(import.meta.url)) {
  runReanalyseCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`reanalyse: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
