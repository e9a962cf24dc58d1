import { InvalidArgumentError } from './errors.ts';
/**
 * Where the engine reports what it cannot throw to you: a listener that threw, an input that
 * failed to stop, a checkpoint it could not write at stop, a failed batch nobody awaits, work a
 * stop abandoned, what recovery skipped. Console-shaped (a message, then values such as the
 * error), so `console` itself, pino, winston or a test's recorder fit. Give one to
 * `new StreamingContext({ logger })` (or `new RDDContext({ logger })`); the default writes to the
 * console.
 *
 * Spark: the log4j logger every Spark class logs through (`Logging.logWarning`, `logError`…);
 * Rivulet has no global logging configuration, only this option.
 *
 * @example
 * ```ts
 * import { StreamingContext, Seconds, type Logger } from 'rivulet';
 * const logger: Logger = {
 *   debug: () => {},
 *   info: (message, ...args) => console.info('[rivulet]', message, ...args),
 *   warn: (message, ...args) => console.warn('[rivulet]', message, ...args),
 *   error: (message, ...args) => console.error('[rivulet]', message, ...args),
 * };
 * const ssc = new StreamingContext({ batchInterval: Seconds(1), logger });
 * ```
 */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

/**
 * The default {@link Logger}: the console, looked up at each call (so that a console replaced
 * later, as by a test, is the one written to).
 *
 * Spark: log4j's default console appender.
 *
 * @example
 * ```ts
 * import { consoleLogger } from 'rivulet';
 * consoleLogger.warn('written with console.warn');
 * ```
 */
export const consoleLogger: Logger = {
  debug: (message, ...args) => console.debug(message, ...args),
  info: (message, ...args) => console.info(message, ...args),
  warn: (message, ...args) => console.warn(message, ...args),
  error: (message, ...args) => console.error(message, ...args),
};

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** The `logger` option, checked where it is given (`where`: e.g. 'StreamingContext'); the console when absent. */
export function checkLogger(logger: unknown, where: string): Logger {
  if (logger === undefined) return consoleLogger;
  const missing = LEVELS.filter((level) => typeof (logger as Partial<Logger> | null)?.[level] !== 'function');
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      `${where}: logger must have the methods debug, info, warn and error (console has them); ${logger === null || typeof logger !== 'object' ? `got ${logger === null ? 'null' : typeof logger}` : `it lacks ${missing.join(', ')}`}.`,
    );
  }
  return logger as Logger;
}
