import { wsconnect, type NatsConnection } from '@nats-io/nats-core';
import { InvalidArgumentError } from '../../util/errors.ts';

/** Browsers: the WebSocket transport (the server's `websocket { … }` listener, `ws://` or `wss://`). */
export function connectNats(servers: string[], operation: string): Promise<NatsConnection> {
  const other = servers.find((s) => !/^wss?:/i.test(s));
  if (other) throw new InvalidArgumentError(`${operation}: a browser reaches NATS over WebSocket: give the server's websocket listener (ws://host:port or wss://…), not ${other}.`);
  return wsconnect({ servers });
}
