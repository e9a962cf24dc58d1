/**
 * Recovery (Spark's StreamingContext.getOrCreate with CheckpointReader and the DStreams'
 * restoreCheckpointData): choose the newest good checkpoint, check that the pipeline the user's
 * code rebuilt still matches it, put the state back, and tell each input what to replay.
 *
 * The context then starts on the checkpoint's batch grid (its zero time) with the batch after the
 * checkpoint: the batches in the write-ahead log after it are made again from the log, at their
 * original times; then every batch time up to now (the down time) is generated as usual; then the
 * clock goes on. No batch time is skipped.
 */
import type { Checkpoint, CheckpointStore } from '../checkpoint/CheckpointStore.ts';
import { CorruptCheckpointError } from '../checkpoint/errors.ts';
import { RecoveryError } from '../checkpoint/RecoveryError.ts';
import { latestGoodCheckpoint } from '../checkpoint/recover.ts';
import type { DStream } from '../dstream/DStream.ts';
import type { StatefulDStream } from '../dstream/checkpointing.ts';
import type { CheckpointMetadata } from './Checkpointer.ts';
import { CHECKPOINT_LAYOUT } from './Checkpointer.ts';
import type { StableIds } from './stableIds.ts';
import { CheckpointMismatchError } from './CheckpointMismatchError.ts';
import type { ApplicationIdentity } from './application.ts';
import { checkApplication } from './applicationCheck.ts';

/** What start() needs to resume. */
export interface RecoveryPlan {
  /** The stateful operators checked against the checkpoint (and restored), by id. */
  operatorIds: ReadonlySet<string>;
  zeroTime: number;
  /** The time of the checkpoint recovered from (the zero time for the initial one). */
  checkpointTime: number;
  /** The last batch in the write-ahead log: batches up to it are made again from it, not logged again. */
  loggedUpTo: number;
  /** The checkpoint, for messages: `at 5000 ms in /path`. */
  description: string;
}

/** What recovery starts from: the newest good checkpoint, and the times in the log. */
export interface RecoveryPoint {
  checkpoint: Checkpoint;
  logTimes: number[];
}

/**
 * The newest good checkpoint in `store` (a corrupt one is skipped, with a warning) and the log's
 * times; undefined when the store holds neither checkpoints nor log records (a first run).
 * Rejects when checkpoints exist but none can be read, or when the log has records and no
 * checkpoint says what state they apply to.
 */
export async function findRecoveryPoint(store: CheckpointStore, log: CheckpointStore, warn: (message: string) => void): Promise<RecoveryPoint | undefined> {
  const checkpoint = await latestGoodCheckpoint(store, (message) => warn(message));
  const logTimes = (await log.list()).sort((a, b) => a - b);
  if (checkpoint) return { checkpoint, logTimes };
  if (logTimes.length === 0) return undefined;
  throw new RecoveryError(
    `${log.location} holds write-ahead log records (batches ${logTimes[0]} to ${logTimes[logTimes.length - 1]} ms) but ${store.location} holds no checkpoint: ` +
      'the state those batches apply to is unknown (a checkpoint is written before the first record, so it was deleted). ' +
      'Delete the log records too to start over.',
  );
}

/** Which application is recovering, and whether it may restore another one's checkpoint. */
export interface RecoveringApplication {
  identity: ApplicationIdentity;
  allowOther: boolean;
}

/**
 * Check that the checkpoint is this application's and that the pipeline whose ids are `ids`
 * matches it, restore its state, and give each input its position and logged batches.
 */
export async function prepareRecovery(
  ids: StableIds,
  batchInterval: number,
  { checkpoint, logTimes }: RecoveryPoint,
  store: CheckpointStore,
  log: CheckpointStore,
  warn: (message: string) => void,
  application: RecoveringApplication,
): Promise<RecoveryPlan> {
  const description = `at ${checkpoint.time} ms in ${store.location}`;
  const meta = readMetadata(checkpoint, description);
  // First: another application's checkpoint differs in everything, and saying so is the useful message.
  checkApplication(meta.application, application.identity, description, application.allowOther, warn);
  if (meta.batchInterval !== batchInterval) {
    throw new RecoveryError(
      `The checkpoint ${description} was taken with a batch interval of ${meta.batchInterval} ms; this context's is ${batchInterval} ms. ` +
        "Batches resume on the checkpoint's grid, so the interval cannot change: create the context with the same one, or start over with an empty checkpoint location.",
    );
  }

  // The log: records after the checkpoint are replayed, and must all be readable; records at or
  // before it only rebuild batches that windows read back to.
  const records: Checkpoint[] = [];
  let foreign = 0;
  for (const time of logTimes) {
    let record: Checkpoint;
    try {
      record = await log.read(time);
    } catch (e) {
      if (!(e instanceof CorruptCheckpointError) || time > checkpoint.time) {
        throw new RecoveryError(
          `Cannot recover from the checkpoint ${description}: the write-ahead log record of the batch at ${time} ms cannot be read (${(e as Error).message}); that batch cannot be made again as it was.`,
          { cause: e },
        );
      }
      warn(`Skipping the write-ahead log record of the batch at ${time} ms (before the checkpoint at ${checkpoint.time} ms): ${(e as Error).message}`);
      continue;
    }
    if (record.metadata.zeroTime !== meta.zeroTime || (time - meta.zeroTime) % meta.batchInterval !== 0) {
      foreign++;
      continue;
    }
    records.push(record);
  }
  if (foreign > 0) warn(`Ignoring ${foreign} write-ahead log record${foreign === 1 ? '' : 's'} in ${log.location} from another run (another zero time or batch interval).`);
  const replayed = records.filter((r) => r.time > checkpoint.time).map((r) => r.time);
  for (let i = 0; i < replayed.length; i++) {
    if (replayed[i] !== checkpoint.time + (i + 1) * meta.batchInterval) {
      throw new RecoveryError(
        `Cannot recover from the checkpoint ${description}: the write-ahead log has no record of the batch at ${checkpoint.time + (i + 1) * meta.batchInterval} ms but has later ones; it was damaged.`,
      );
    }
  }

  checkMatches(ids, meta, description, warn);

  for (const [op, id] of ids.operators) {
    const saved = meta.operators[id];
    if (saved === undefined) {
      // New: it starts from its initial state at the checkpoint, not from a recomputed history.
      const time = checkpoint.time - ((checkpoint.time - meta.zeroTime) % op.slideDuration);
      if (time > meta.zeroTime) op.restoreState(time, undefined, description);
    } else if (saved.time !== null) {
      const missing = (key: string, time: number) =>
        new RecoveryError(`The checkpoint ${description} lists the state of ${JSON.stringify(id)} at ${time} ms but does not hold it (no ${JSON.stringify(key)}).`);
      if (!Object.hasOwn(checkpoint.data, id)) throw missing(id, saved.time);
      op.restoreState(saved.time, checkpoint.data[id], description);
      for (const t of saved.earlier ?? []) {
        const key = `${id}@${t}`;
        if (!Object.hasOwn(checkpoint.data, key)) throw missing(key, t);
        op.restoreEarlier?.(t, checkpoint.data[key], description);
      }
    }
  }
  for (const [input, id] of ids.inputs) {
    const logged = new Map<number, unknown>();
    for (const r of records) if (Object.hasOwn(r.data, id)) logged.set(r.time, r.data[id]);
    input.restore({ checkpointTime: checkpoint.time, position: meta.inputs[id]?.position, logged, warn });
  }
  return {
    operatorIds: new Set(ids.operators.values()),
    zeroTime: meta.zeroTime,
    checkpointTime: checkpoint.time,
    loggedUpTo: replayed.length ? replayed[replayed.length - 1]! : checkpoint.time,
    description,
  };
}

function readMetadata(checkpoint: Checkpoint, description: string): CheckpointMetadata {
  const m = checkpoint.metadata as Partial<CheckpointMetadata>;
  const bad = (what: string) => new RecoveryError(`The checkpoint ${description} was not written by a StreamingContext (or by a newer Rivulet): ${what}.`);
  if (m.layout !== CHECKPOINT_LAYOUT) throw bad(`its metadata layout is ${JSON.stringify(m.layout)}, this Rivulet reads ${CHECKPOINT_LAYOUT}`);
  if (typeof m.zeroTime !== 'number' || typeof m.batchInterval !== 'number') throw bad('it has no zero time or batch interval');
  if (typeof m.inputs !== 'object' || m.inputs === null || typeof m.operators !== 'object' || m.operators === null) throw bad('it lists no inputs or operators');
  return m as CheckpointMetadata;
}

/** Throws CheckpointMismatchError listing every stateful operator and input that does not match. */
function checkMatches(ids: StableIds, meta: CheckpointMetadata, description: string, warn: (message: string) => void): void {
  const problems: string[] = [];
  const q = (id: string) => JSON.stringify(id);
  const byId = new Map<string, DStream<unknown> & StatefulDStream>();
  for (const [op, id] of ids.operators) byId.set(id, op);
  const family = (id: string) => /^(.*\/[^/]+)#\d+$/.exec(id)?.[1];
  const checkpointedFamilies = new Set(
    Object.keys(meta.operators)
      .map(family)
      .filter((f) => f !== undefined),
  );

  for (const [id, saved] of Object.entries(meta.operators)) {
    const op = byId.get(id);
    if (!op) {
      problems.push(`${saved.operation} ${q(id)} (${saved.creationSite} when checkpointed) is not in this pipeline.`);
      continue;
    }
    if (op.operation !== saved.operation) {
      problems.push(`${q(id)} was ${saved.operation} (${saved.creationSite}) when checkpointed and is ${op.creationSite} now: a state cannot change kind.`);
      continue;
    }
    const now = op.stateParameters();
    for (const key of new Set([...Object.keys(saved.parameters ?? {}), ...Object.keys(now)])) {
      if (saved.parameters?.[key] !== now[key]) {
        problems.push(`${saved.operation} ${q(id)} (${op.creationSite}) changed: its ${key} was ${saved.parameters?.[key]} ms when checkpointed and is ${now[key]} ms now.`);
      }
    }
  }
  for (const [op, id] of ids.operators) {
    if (Object.hasOwn(meta.operators, id)) continue;
    const f = family(id);
    if (op.userName === undefined && f !== undefined && checkpointedFamilies.has(f)) {
      problems.push(
        `${op.operation} ${q(id)} (${op.creationSite}) is not in the checkpoint, which has other ${op.operation} operators on the same upstream: ` +
          'unnamed operators are matched by position, so one was added or removed before another and their states would be mixed up.',
      );
    } else {
      warn(`${op.operation} ${q(id)} (${op.creationSite}) is not in the checkpoint ${description}: it starts from its initial state.`);
    }
  }
  const currentInputs = new Set(ids.inputs.values());
  for (const [id, saved] of Object.entries(meta.inputs)) {
    if (!currentInputs.has(id)) {
      problems.push(`input ${q(id)} (${saved.creationSite} when checkpointed) is not in this pipeline: its position and logged batches would be lost.`);
    }
  }
  for (const [input, id] of ids.inputs) {
    if (!Object.hasOwn(meta.inputs, id)) warn(`input ${q(id)} (${input.creationSite}) is not in the checkpoint ${description}: it starts from its beginning.`);
  }
  if (problems.length > 0) {
    const checkpointed = Object.entries(meta.operators).map(([id, s]) => `${q(id)} (${s.operation})`);
    const current = [...ids.operators].map(([op, id]) => `${q(id)} (${op.creationSite})`);
    throw new CheckpointMismatchError(description, problems, checkpointed, current);
  }
}
