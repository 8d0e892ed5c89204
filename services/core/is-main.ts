import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type AppConfig } from './config.ts';

/** True when the module at `metaUrl` is the script node (or tsx) was started with. */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(fileURLToPath(metaUrl)) === realpathSync(entry);
  } catch {
    return false;
  }
}

/**
 * Runs a role (API, adapter, worker) as its own process: starts it from the environment's
 * configuration, and on SIGINT/SIGTERM closes it (forced after 10 s) and exits.
 */
export function runRole(metaUrl: string, name: string, start: (config: AppConfig) => Promise<{ close(): Promise<void> }>): void {
  if (!isMain(metaUrl)) return;
  start(loadConfig()).then(
    (handle) => {
      const shutdown = (signal: string) => {
        console.log(`[${name}] ${signal}: shutting down`);
        setTimeout(() => process.exit(1), 10_000).unref();
        handle.close().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(`[${name}] shutdown failed`, err);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    },
    (err: unknown) => {
      console.error(`[${name}] failed to start: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
