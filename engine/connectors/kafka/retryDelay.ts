/**
 * How long the Kafka client waits before retrying a request that failed with a retriable error
 * (@platformatic/kafka's `retryDelay` option, called with the attempt number from 1), as Kafka's
 * Java client waits:
 *
 * - `CONCURRENT_TRANSACTIONS`: Kafka's answer to a transaction's first write while it is still
 *   writing the previous transaction's commit markers, which takes milliseconds, and to the
 *   InitProducerId that fences a dead run while that run's last transaction is being completed.
 *   Java's producer retries it after 20 ms; here 20 ms doubling up to 1 s (10 retries wait 5.3 s
 *   in all, as long as the client's default allowed). The client's default, 1 s for every error,
 *   made each batch written right after another wait a second, so a pipeline whose batch interval
 *   is under a second never caught up once behind.
 * - anything else: 100 ms doubling up to 1 s (Java's retry.backoff.ms and retry.backoff.max.ms).
 */
export function retryDelay(attempt: number, reason: string | undefined): number {
  const n = Math.max(0, Math.min(attempt - 1, 10));
  return Math.min((reason === 'CONCURRENT_TRANSACTIONS' ? 20 : 100) * 2 ** n, 1000);
}

/**
 * The Kafka protocol error behind a client error (e.g. `CONCURRENT_TRANSACTIONS`), looked for
 * through the client's nested errors; undefined for errors that are not Kafka's answers
 * (a closed connection, a timeout).
 */
export function protocolErrorId(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const e = error as { apiId?: unknown; errors?: unknown };
  if (typeof e.apiId === 'string') return e.apiId;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const id = protocolErrorId(inner, depth + 1);
      if (id !== undefined) return id;
    }
  }
  return undefined;
}

/** The client options every Kafka client of Rivulet's gets: 10 retries (about 7.5 s, 5.3 s for CONCURRENT_TRANSACTIONS), waits as retryDelay says. */
export const retryOptions = {
  retries: 10,
  retryDelay: (_client: unknown, _operation: string, attempt: number, _retries: number, error: unknown): number => retryDelay(attempt, protocolErrorId(error)),
};
