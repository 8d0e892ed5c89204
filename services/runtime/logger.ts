/**
 * One logger for every role (issue 9 §0): JSON lines through pino at LOG_LEVEL, one root per
 * process and a child per role (`{role:'worker'}`), so `npm start` (three roles in one process)
 * and the roles run alone write the same lines, and the API's Fastify logs through the same
 * instance. Code that still takes a `(message: string) => void` callback gets `lineLog()`.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export type Role = 'launcher' | 'api' | 'adapter' | 'worker';

/** pino options shared by every role: the level, ISO timestamps, errors with their stack. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
  };
}

const LEVELS = [...Object.keys(pino.levels.values), 'silent'];

/** A new root logger; `destination` (default stdout, flushed at exit) is for tests. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  if (!LEVELS.includes(level)) throw new Error(`LOG_LEVEL must be one of ${LEVELS.join(', ')}; got "${level}"`);
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

let root: Logger | undefined;

/** The process's root logger, created on first use at `level` (LOG_LEVEL, else info). */
export function rootLogger(level: string = process.env.LOG_LEVEL || 'info'): Logger {
  root ??= createLogger(level);
  return root;
}

/** The logger of one role: a child of the process's root, at the configured level. */
export function roleLogger(role: Role, config: { logLevel: string }): Logger {
  return rootLogger(config.logLevel).child({ role }, { level: config.logLevel });
}

/** For code that logs plain strings (ingest, hot folder, handler, reconciler): one info line each. */
export function lineLog(logger: Logger): (message: string) => void {
  return (message) => logger.info(message);
}
