/**
 * The lock of a checkpoint directory, for Node (FileSystemCheckpointStore.lock): one running
 * application per directory, as Kafka Streams locks its state directory.
 *
 * The lock is a file, `rivulet.lock`, created exclusively (the `wx` flag: the create fails when
 * the file exists, atomically, on local file systems and NFSv3+), holding JSON that says who holds
 * it: `{ pid, host, since, script, thread, boot, token }`. No OS file lock: Node has none without a
 * native module, and a file that names its holder gives the error message for free.
 *
 * When the file exists, its holder is judged:
 * - another host: refused (its pids cannot be checked from here); the message says how to remove
 *   the file once no process there uses the directory;
 * - this host, another boot (Linux's boot id changed): stale, taken over;
 * - this process: refused when a lock of this thread holds it (another context or store here);
 *   taken over when the file predates this process (an earlier process had the same pid, as a
 *   restarted container's pid 1 does);
 * - another process: refused while its pid runs, taken over once it does not.
 * Taking over renames the stale file to a private name, checks that the file moved is the one
 * judged (another process may have taken it over and created its own lock meanwhile: that one is
 * put back), deletes it, and tries the exclusive create again.
 *
 * Released by release(), by the store's close(), and when the process exits (a handler on the
 * process's 'exit' event). A process killed by a signal leaves the file behind, and the next
 * process takes it over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import type { CheckpointLock } from './CheckpointStore.ts';
import { CheckpointLockedError, type CheckpointLockHolder, CheckpointStoreError } from './errors.ts';

/** The lock file's name in a checkpoint directory. */
export const LOCK_FILE_NAME = 'rivulet.lock';

/** What the lock file holds. */
interface LockContent {
  pid: number;
  host: string;
  /** ISO 8601, wall clock: for people, and to tell a file older than this process. */
  since: string;
  script?: string;
  thread: number;
  /** Linux's boot id: a lock of an earlier boot is stale whatever its pid. */
  boot?: string;
  /** This lock among all others: release() deletes the file only while it still holds it. */
  token: string;
}

/**
 * The locks this thread holds or is creating, lock file by token, shared by every copy of this
 * module in the thread. A token is entered before its file is created, so that a lock() racing in
 * this thread never takes a lock file of this thread for one an earlier process left.
 */
interface Held {
  readonly tokens: Map<string, string>;
  exitHandler: boolean;
}
const HELD = Symbol.for('rivulet.checkpointLocks');
function held(): Held {
  const g = globalThis as Record<symbol, Held | undefined>;
  return (g[HELD] ??= { tokens: new Map(), exitHandler: false });
}

/** When this process started (ms since the epoch), to tell a lock file left by an earlier process with the same pid. */
const processStart = Date.now() - process.uptime() * 1000;

let bootId: string | undefined | null = null;
function currentBoot(): string | undefined {
  if (bootId === null) {
    try {
      bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      bootId = undefined;
    }
  }
  return bootId;
}

/** Attempts at taking the lock when, each time, a stale lock was removed and another process took it first. */
const ATTEMPTS = 5;

/**
 * Take the lock of `directory` (created if missing). Rejects with CheckpointLockedError when a
 * live process holds it.
 */
export async function lockDirectory(directory: string): Promise<CheckpointLock> {
  const file = path.join(directory, LOCK_FILE_NAME);
  await fs.promises.mkdir(directory, { recursive: true });
  const mine: LockContent = {
    pid: process.pid,
    host: os.hostname(),
    // The wall clock, for people: the engine's batch clock is not involved.
    since: new Date().toISOString(),
    ...(process.argv[1] ? { script: process.argv[1] } : {}),
    thread: threadId,
    ...(currentBoot() ? { boot: currentBoot() } : {}),
    token: randomBytes(8).toString('hex'),
  };
  const { tokens } = held();
  tokens.set(mine.token, file);
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await createExclusively(file, mine)) return holdLock(file, mine.token);
      const found = await readLock(file);
      if (found === undefined) continue; // released meanwhile: try again
      const refusal = judge(found, file, directory);
      if (refusal) throw refusal;
      await removeIfUnchanged(file, found.raw);
    }
  } catch (e) {
    tokens.delete(mine.token);
    throw e;
  }
  tokens.delete(mine.token);
  throw new CheckpointStoreError(
    `Could not take the lock of the checkpoint directory ${directory}: ${ATTEMPTS} times a stale lock file (${file}) was removed and another process created one first. Is a process restarting in a loop on this directory?`,
  );
}

/** `token`'s lock file was created: it is held until released or the process exits. */
function holdLock(file: string, token: string): CheckpointLock {
  const state = held();
  if (!state.exitHandler) {
    state.exitHandler = true;
    // Synchronous: nothing asynchronous runs once the process exits.
    process.on('exit', () => {
      for (const [t, f] of state.tokens) removeSyncIfOurs(f, t);
      state.tokens.clear();
    });
  }
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        state.tokens.delete(token);
        try {
          const raw = await fs.promises.readFile(file, 'utf8');
          if (parse(raw)?.token === token) await fs.promises.unlink(file);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
      })();
      return released;
    },
  };
}

function removeSyncIfOurs(file: string, token: string): void {
  try {
    if (parse(fs.readFileSync(file, 'utf8'))?.token === token) fs.unlinkSync(file);
  } catch {
    // Gone already, or the directory with it.
  }
}

/** Create `file` holding `content`, unless it exists (false). */
async function createExclusively(file: string, content: LockContent): Promise<boolean> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new CheckpointStoreError(`Could not create the lock file ${file} of the checkpoint directory: ${(e as Error).message}`, { cause: e });
  }
  try {
    try {
      await handle.writeFile(JSON.stringify(content) + '\n');
      // Durable, so that a power loss leaves a whole lock (taken over after the reboot), not an empty file.
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    await fs.promises.rm(file, { force: true }).catch(() => {});
    throw e;
  }
  return true;
}

interface FoundLock {
  raw: string;
  content: LockContent | undefined;
}

/** The lock file's content; undefined when there is none. A file being written (empty, partial JSON) is read again for a moment. */
async function readLock(file: string): Promise<FoundLock | undefined> {
  let raw = '';
  for (let i = 0; i < 20; i++) {
    try {
      raw = await fs.promises.readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const content = parse(raw);
    if (content) return { raw, content };
    // Its creator writes it right after creating it.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { raw, content: undefined };
}

function parse(raw: string): LockContent | undefined {
  try {
    const c = JSON.parse(raw) as Partial<LockContent>;
    if (typeof c === 'object' && c !== null && Number.isSafeInteger(c.pid) && typeof c.host === 'string' && typeof c.token === 'string') return c as LockContent;
  } catch {
    // Not JSON.
  }
  return undefined;
}

/** The refusal when the lock is held; undefined when it is stale (its holder is gone). */
function judge({ raw, content }: FoundLock, file: string, directory: string): CheckpointLockedError | undefined {
  if (!content) {
    return new CheckpointLockedError(
      directory,
      { lockFile: file },
      `The checkpoint directory ${directory} is locked by ${file}, which names no holder (${raw === '' ? 'it is empty' : `it holds ${JSON.stringify(raw.slice(0, 80))}`}): ` +
        `a process may have died while creating it. If no process uses this directory, delete ${file} and start again.`,
    );
  }
  const holder: CheckpointLockHolder = { pid: content.pid, host: content.host, since: content.since, lockFile: file, ...(content.script ? { script: content.script } : {}) };
  const who = `process ${content.pid}${content.script ? ` (${content.script})` : ''} on host ${content.host} since ${content.since}`;
  const refuse = (what: string) => new CheckpointLockedError(directory, holder, `The checkpoint directory ${directory} is in use by ${who} (lock file ${file}). ${what}`);
  const host = os.hostname();
  if (content.host !== host) {
    return refuse(
      `It is a process of another host, which cannot be checked from here (${host}). One application runs per checkpoint directory: ` +
        `if no process on ${content.host} uses this directory any more (it was stopped or the host is gone), delete ${file} and start again.`,
    );
  }
  const boot = currentBoot();
  if (content.boot !== undefined && boot !== undefined && content.boot !== boot) return undefined; // the machine restarted since
  if (content.pid === process.pid) {
    if (held().tokens.get(content.token) === file) {
      return refuse('This process already holds it: another StreamingContext (or checkpoint store) here uses the directory. Stop that context (ssc.stop()) or close its store first.');
    }
    const since = Date.parse(content.since);
    // Written before this process started: an earlier process with the same pid (a restarted container's pid 1).
    if (content.thread === threadId || since < processStart - 1000) return undefined;
    return refuse(`Another thread of this process (thread ${content.thread}) holds it; stop the context there first.`);
  }
  if (isRunning(content.pid)) {
    return refuse(
      "One application runs per checkpoint directory: two would process the same input twice and write over each other's checkpoints. " +
        'Stop that process first (its lock goes when it stops or exits, and a lock left by a process that died is taken over), or give this one a directory of its own.',
    );
  }
  return undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Delete the lock file if it still holds `raw` (the stale lock judged), without ever deleting a lock taken meanwhile. */
async function removeIfUnchanged(file: string, raw: string): Promise<void> {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.promises.rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // removed meanwhile
    throw e;
  }
  const moved = await fs.promises.readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== raw) {
    // Another process took the stale lock over first and this moved its new lock: put it back.
    // (Should a third process have created one in the instant between, the link fails and that one stays.)
    await fs.promises.link(aside, file).catch(() => {});
  }
  await fs.promises.rm(aside, { force: true });
}
