/**
 * Apache Kafka in KRaft mode (one node, broker and controller) as a child process on free
 * loopback ports, from the jars that `mvn -f test/support/kafka/pom.xml dependency:copy-dependencies
 * -DoutputDirectory=lib` put in test/support/kafka/lib (.ci/run does it). Each broker gets its own
 * log directory, formatted first (kafka-storage format), and is killed and removed by stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const lib = path.join(here, 'lib');

/** Why the broker cannot run here, or undefined when it can. */
export function kafkaMissing(): string | undefined {
  const hasJava = spawnSync('java', ['-version']).status === 0;
  if (!hasJava) return 'Kafka tests need Java 17+: apt-get install -y openjdk-17-jre-headless';
  if (!existsSync(lib) || !readdirSync(lib).some((f) => f.startsWith('kafka_2.13-'))) {
    return 'Kafka tests need the broker\'s jars: mvn -q -f test/support/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory=lib';
  }
  return undefined;
}

/**
 * `describe.skipIf` for Kafka tests: skips with the line saying what to install, except under
 * CI=true, where a missing broker fails the run instead.
 */
export function skipWithoutKafka(): boolean {
  const missing = kafkaMissing();
  if (missing === undefined) return false;
  if (process.env.CI === 'true') throw new Error(`${missing} (CI=true: a missing broker is a failure, not a skip)`);
  console.warn(`Skipping Kafka tests. ${missing}`);
  return true;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface KafkaBroker {
  /** `127.0.0.1:port`, for bootstrap servers. */
  readonly bootstrap: string;
  readonly process: ChildProcess;
  /** What the broker printed (warnings and errors), for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

export async function startKafka(): Promise<KafkaBroker> {
  const missing = kafkaMissing();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(path.join(tmpdir(), 'rivulet-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const properties = path.join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  const classpath = `${lib}/*`;
  const jvm = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${path.join(here, 'log4j2.properties')}`, '-cp', classpath];
  const clusterId = randomBytes(16).toString('base64url');
  // `--cluster-id=<id>`, not `-t <id>`: one id in 32 starts with '-' and would be read as an option.
  const format = spawnSync('java', [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', properties], { encoding: 'utf8' });
  if (format.status !== 0) throw new Error(`kafka-storage format failed (exit ${format.status}): ${format.stdout}${format.stderr}`);
  const child = spawn('java', [...jvm, 'kafka.Kafka', properties], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when the broker accepts connections and says it started.
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`Kafka exited (${child.exitCode}) while starting:\n${output}`);
    }
    if (/Kafka Server started|KafkaRaftServer.*started/.test(output) && (await accepts(port))) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { bootstrap: `127.0.0.1:${port}`, process: child, output: () => output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
