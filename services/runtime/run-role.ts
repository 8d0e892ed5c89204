/**
 * Process life of a role: starts it when its file is the one node was started with, logs
 * through the role's pino logger, and on SIGINT/SIGTERM closes it and exits 0 (1 when closing
 * fails or takes longer than SHUTDOWN_TIMEOUT_MS; a second signal exits at once). Lives here, not
 * in services/core, because core may not import the logger. The launcher uses exitOnSignal too.
 */
import { loadConfig, type AppConfig } from '../core/config.ts';
import { isMain } from '../core/is-main.ts';
import { roleLogger, type Logger, type Role } from './logger.ts';

/** Longest a shutdown may take before the process exits anyway (status 1). */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Installs the SIGINT/SIGTERM handlers at once (a signal during start-up waits for the start,
 * then closes). `close` receives the signal; `onForced` runs before a forced exit (sync only).
 */
export function exitOnSignal(logger: Logger, close: () => Promise<void>, onForced: () => void = () => {}): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (closing) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      onForced();
      process.exit(1);
    }
    closing = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error(`shutdown took longer than ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting anyway`);
      onForced();
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        onForced();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Runs a role (API, adapter, worker) as its own process when `metaUrl` is node's entry script. */
export function runRole(metaUrl: string, role: Role, start: (config: AppConfig, logger: Logger) => Promise<{ close(): Promise<void> }>): void {
  if (!isMain(metaUrl)) return;
  let config: AppConfig;
  let logger: Logger;
  try {
    config = loadConfig();
    logger = roleLogger(role, config);
  } catch (err) {
    // No logger to be had (LOG_LEVEL itself may be what is wrong): plain stderr.
    console.error(`[${role}] bad configuration: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const started = start(config, logger);
  exitOnSignal(logger, async () => (await started).close());
  started.catch((err: unknown) => {
    logger.fatal({ err }, `failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
