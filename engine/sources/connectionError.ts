/**
 * What went wrong with a connection, in words, for a receiver's error reports: `connect
 * ECONNREFUSED 127.0.0.1:9999` becomes "connection refused (nothing is listening there)".
 * Returns "" when the error says nothing more than the report already does.
 *
 * @internal
 */
export function describeConnectionError(error: unknown): string {
  if (error === undefined || error === null) return '';
  const code = (error as { code?: unknown }).code;
  const known = typeof code === 'string' ? CODES[code] : undefined;
  if (known) return `: ${known} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  return message ? `: ${message}` : '';
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused — nothing is listening there',
  ECONNRESET: 'connection reset by the other side',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporarily)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'the other side closed the connection while data was being sent',
};
