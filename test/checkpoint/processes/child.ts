/**
 * A process of run.ts (sums.ts, labels.ts) for the tests here: its stdout lines as they arrive,
 * a way to wait for one, its exit, and commands on its stdin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export class App {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private partial = '';
  private waiters: { match: (line: string) => boolean; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  private done = false;

  /** `script`: 'sums' or 'labels'. */
  constructor(script: 'sums' | 'labels', args: string[]) {
    // `node --import tsx`, not the tsx binary: one process, whose pid is the application's (tsx would run it in a child).
    this.process = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`./${script}.ts`, import.meta.url)), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        for (const w of this.waiters.filter((w) => w.match(line))) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    this.process.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        this.done = true;
        for (const w of this.waiters.splice(0)) w.reject(new Error(`the process exited (${code ?? signal}) before printing the line awaited; it printed:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`));
        resolve({ code, signal });
      });
    });
  }

  /** The first line (already printed or to come) matching `match`; rejects if the process exits first. */
  line(match: (line: string) => boolean): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.done) return Promise.reject(new Error(`the process has exited; it printed:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`));
    return new Promise((resolve, reject) => this.waiters.push({ match, resolve, reject }));
  }

  /** The batch lines' states, in order. */
  states(): unknown[] {
    return this.lines.filter((l) => l.startsWith('batch ')).map((l) => JSON.parse(l.slice(l.indexOf('[')) || '[]'));
  }

  send(command: 'stop' | 'exit'): void {
    this.process.stdin!.write(`${command}\n`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.done) this.process.kill(signal);
  }
}

export const startsWith = (prefix: string) => (line: string) => line.startsWith(prefix);
