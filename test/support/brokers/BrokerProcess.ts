/**
 * A broker run as a child process on loopback ports the test owns: started, awaited until its log
 * says it is ready and every port accepts a TCP connection, and stopped (SIGTERM, then SIGKILL if
 * it lingers) — its output kept for the error when it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { requireBroker, type BrokerName } from './binaries.ts';

/** A port free on 127.0.0.1 right now (the OS picks it; the broker binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Start a broker on `count` fresh ports; when another process took a port between freePort() and
 * the broker binding it, try again with new ports (three attempts).
 */
export async function startOnFreePorts(count: number, launch: (ports: number[]) => BrokerLaunch): Promise<{ broker: BrokerProcess; ports: number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    try {
      return { broker: await BrokerProcess.start(launch(ports)), ports };
    } catch (e) {
      if (attempt >= 3 || !/address already in use|Address in use|bind/i.test(String(e))) throw e;
    }
  }
}

export interface BrokerLaunch {
  name: BrokerName;
  args: string[];
  /** A line of the broker's log (stdout or stderr) that says it is ready. */
  ready: RegExp;
  /** Ports that must accept connections before the broker counts as ready. */
  ports: number[];
}

export class BrokerProcess {
  private output = '';
  private exited = false;
  private readonly exit: Promise<void>;

  private constructor(
    readonly launch: BrokerLaunch,
    private readonly child: ChildProcess,
  ) {
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        // Enough to explain a failure; a long-running broker's log does not grow the heap.
        this.output = (this.output + chunk).slice(-20_000);
      });
    }
    this.exit = new Promise((resolve) =>
      child.once('close', () => {
        this.exited = true;
        resolve();
      }),
    );
  }

  /** Start the broker and resolve once it is ready; reject with its log if it exits first. */
  static async start(launch: BrokerLaunch): Promise<BrokerProcess> {
    const binary = requireBroker(launch.name);
    const child = spawn(binary, launch.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const broker = new BrokerProcess(launch, child);
    await broker.untilReady();
    return broker;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** What the broker has printed (its last 20,000 characters). */
  get log(): string {
    return this.output;
  }

  private async untilReady(): Promise<void> {
    const logged = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.launch.ready.test(this.output)) resolve();
        else if (this.exited) reject(new Error(`${this.launch.name} ${this.launch.args.join(' ')} exited before it was ready (${this.child.exitCode !== null ? `exit code ${this.child.exitCode}` : this.child.signalCode}):\n${this.output}`));
      };
      this.child.stdout!.on('data', check);
      this.child.stderr!.on('data', check);
      void this.exit.then(check);
    });
    await logged;
    for (const port of this.launch.ports) {
      while (!(await accepts(port))) {
        if (this.exited) throw new Error(`${this.launch.name} exited before port ${port} accepted connections:\n${this.output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /** SIGTERM, and SIGKILL if it has not exited 10 s later; resolves once it has exited. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(timer);
  }

  /** SIGKILL: the broker dies as in a crash. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await this.exit;
  }
}
