/**
 * How long the Kafka client waits before retrying a request that failed with a retriable error
 * (@platformatic/kafka's `retryDelay` option, called with the attempt number from 1).
 */
export function retryDelay(_attempt: number, _reason: string | undefined): number {
  return 1000;
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
