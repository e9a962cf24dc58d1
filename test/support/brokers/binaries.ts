/**
 * Where the broker programs are, and what a test does when one is missing: it skips with one line
 * saying how to install it, or fails under CI=true (where .ci/run has installed them all).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe } from 'vitest';

export type BrokerName = 'nats-server' | 'redis-server' | 'mosquitto';

/** The Debian package that brings each broker (`apt-get install -y <package>`). */
const PACKAGE: Record<BrokerName, string> = { 'nats-server': 'nats-server', 'redis-server': 'redis-server', mosquitto: 'mosquitto' };

/** An environment variable that names the program's path, for a broker installed elsewhere. */
const OVERRIDE: Record<BrokerName, string> = { 'nats-server': 'NATS_SERVER', 'redis-server': 'REDIS_SERVER', mosquitto: 'MOSQUITTO' };

// Debian puts nats-server and mosquitto in /usr/sbin, which a non-root PATH may lack.
const SEARCHED = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The broker's executable, or undefined when it is not installed. */
export function brokerBinary(name: BrokerName): string | undefined {
  const override = process.env[OVERRIDE[name]];
  if (override) return existsSync(override) ? override : undefined;
  return SEARCHED.map((dir) => path.join(dir, name)).find((file) => existsSync(file));
}

export function installHint(name: BrokerName): string {
  return `${name} is not installed: apt-get install -y ${PACKAGE[name]} (Debian; .ci/run does this), or set ${OVERRIDE[name]} to its path`;
}

/** The executable, or an error saying how to install it (for a test that runs anyway under CI). */
export function requireBroker(name: BrokerName): string {
  const binary = brokerBinary(name);
  if (!binary) throw new Error(installHint(name));
  return binary;
}

/**
 * `describe` for tests that need `brokers`: when one is missing they are skipped with a line
 * saying how to install it; under CI=true they run and fail on that same message instead.
 */
export function describeWithBrokers(...brokers: BrokerName[]): typeof describe | typeof describe.skip {
  const missing = brokers.filter((b) => brokerBinary(b) === undefined);
  if (missing.length === 0 || process.env.CI === 'true') return describe;
  for (const b of missing) console.warn(`skipping broker tests: ${installHint(b)}`);
  return describe.skip;
}
