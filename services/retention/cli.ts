/**
 * `npm run retention -- --days N [--dry-run]`: runs the retention rules (retention-service.ts)
 * against the configured store, image store and quarantine, and prints what was (or would be)
 * deleted. Meant for a daily timer (cron, systemd timer) beside the roles.
 */
import { parseArgs } from 'node:util';
import { systemActor } from '../core/access.ts';
import { loadConfig, storeOptions } from '../core/config.ts';
import { isMain } from '../core/is-main.ts';
import { ImageStore } from '../storage/image-store.ts';
import { openStore } from '../store/database.ts';
import { runRetention } from './retention-service.ts';

export async function runRetentionCli(argv: string[], out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { days: { type: 'string' }, 'dry-run': { type: 'boolean' } } });
  const days = Number(values.days);
  if (!values.days || !Number.isInteger(days) || days < 1) {
    out('usage: npm run retention -- --days N [--dry-run]   (N ≥ 1: keep N days)');
    return 2;
  }
  const config = loadConfig();
  const store = await openStore(storeOptions(config));
  try {
    const r = await runRetention(store, new ImageStore(config.imageStoreDir), {
      days,
      rejectedDir: config.rejectedDir,
      dryRun: values['dry-run'] ?? false,
      actor: systemActor('cli'),
    });
    const verb = r.dryRun ? 'would delete' : 'deleted';
    out(`retention: keeping ${days} days (before ${r.cutoff})${r.dryRun ? ' — dry run, nothing deleted' : ''}`);
    out(`  images of ${r.scansPruned} clear scans without alerts: ${verb} ${r.imagesDeleted} files (${(r.bytesFreed / 1e6).toFixed(1)} MB), kept ${r.imagesKeptShared} shared with newer scans; their heat maps ${verb}: ${r.heatmapsDeleted}`);
    out(`  scans kept because they have alerts: ${r.scansKeptForAlerts}`);
    out(`  tier-2 detections ${verb}: ${r.tier2DetectionsDeleted}; quarantined packages ${verb}: ${r.quarantineDeleted}; orphaned temp files ${verb}: ${r.tempFilesDeleted}`);
    return 0;
  } finally {
    await store.close();
  }
}

if (isMain(import.meta.url)) {
  runRetentionCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`retention: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
