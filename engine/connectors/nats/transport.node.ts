import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { InvalidArgumentError } from '../../util/errors.ts';

/** Node: the TCP transport (`nats://host:port`). */
export function connectNats(servers: string[], operation: string): Promise<NatsConnection> {
  const ws = servers.find((s) => /^wss?:/i.test(s));
  if (ws) throw new InvalidArgumentError(`${operation}: in Node connect to the server's client port (nats://host:4222), not its WebSocket listener (${ws}).`);
  return connect({ servers });
}
