/**
 * How a running StreamingContext stops (StreamingContext.stop(), or a failed batch), bounded as
 * Spark's is: receivers first and everything received processed (graceful), or the running batch
 * given a short grace period (without); what has not finished by the deadline is abandoned and
 * said — to listeners (streamingStopped, the batch's onBatchCompleted with a failureReason) and
 * on the console. Then the last checkpoint, the checkpoint store and its lock, the workers.
 *
 * Loaded on first use by StreamingContext.doStop(), which has already started the deadline and,
 * without grace, stopped generating batches.
 */
import type { SchedulerLike } from 'rxjs';
import type { RDDContext } from '../rdd/RDDContext.ts';
import type { InputDStream } from '../dstream/InputDStream.ts';
import { ReceiverInputDStream } from '../dstream/ReceiverInputDStream.ts';
import type { CheckpointLock } from '../checkpoint/CheckpointStore.ts';
import type { Checkpointer } from './Checkpointer.ts';
import type { JobGenerator } from './JobGenerator.ts';
import type { JobScheduler } from './JobScheduler.ts';
import type { AbandonedWork } from './listener.ts';
import { isManualClock } from './isManualClock.ts';
import { releaseCheckpointLock } from './checkpointLock.ts';
import type { Logger } from '../util/logger.ts';

/** A time limit on the context's clock; race() tells whether a promise settled before it. */
export interface Deadline {
  race(p: Promise<unknown>): Promise<boolean>;
  cancel(): void;
}

/** What of a StreamingContext its stop needs (its private parts, read when needed). */
export interface StoppingContext {
  readonly inputs: readonly InputDStream<unknown>[];
  readonly scheduler: SchedulerLike;
  readonly jobGenerator: JobGenerator;
  readonly jobScheduler: JobScheduler;
  readonly checkpoint: { checkpointer: Checkpointer; owned: boolean; lock: Promise<CheckpointLock | undefined> | undefined } | undefined;
  readonly sparkContext: RDDContext;
  readonly logger: Logger;
  /** The batch failure that stops the context (skipFailedBatches false), if any. */
  failure(): unknown;
  lastBatchFailed(): boolean;
  /** The last batch that completed without failing. */
  lastCompletedTime(): number | undefined;
  /** The context is stopped: its state, and the streamingStopped event. */
  stopped(event: { graceful: boolean; timeout: number; abandoned: AbandonedWork[] }): void;
  /** Settles awaitTermination(). */
  finish(error: unknown): void;
}

export async function stopContext(ctx: StoppingContext, { graceful, limit, deadline, error }: { graceful: boolean; limit: number; deadline: Deadline; error: unknown }): Promise<void> {
  const { inputs, jobGenerator, jobScheduler } = ctx;
  // Each input is stopped once; `stopped` says which have.
  const stopped = new Set<InputDStream<unknown>>();
  const stops = new Map<InputDStream<unknown>, Promise<void>>();
  const failedToStop = (input: InputDStream<unknown>, e: unknown) => ctx.logger.error(`${input.creationSite}: failed to stop:`, e);
  const stopInput = (input: InputDStream<unknown>): Promise<void> => {
    let stopping = stops.get(input);
    if (!stopping) {
      let result: void | Promise<void> = undefined;
      try {
        result = input.stop();
      } catch (e) {
        failedToStop(input, e);
      }
      if (result instanceof Promise) {
        stopping = result.catch((e) => failedToStop(input, e)).then(() => void stopped.add(input));
      } else {
        stopped.add(input); // stopped at once (most inputs but receivers)
        stopping = Promise.resolve();
      }
      stops.set(input, stopping);
    }
    return stopping;
  };
  let inTime = true;
  if (graceful) {
    const receivers = inputs.filter((i): i is ReceiverInputDStream<unknown> => i instanceof ReceiverInputDStream);
    inTime = await deadline.race(
      (async () => {
        await Promise.all(receivers.map(stopInput));
        await allocateEverythingReceived(ctx, receivers);
        jobGenerator.stop();
        await jobGenerator.whenSettled();
        await jobScheduler.whenIdle();
      })(),
    );
  }
  jobGenerator.stop();
  jobGenerator.discardPending();
  const notRun = jobScheduler.dropQueued();
  const inputsStopped = Promise.all(inputs.map(stopInput));
  if (inTime) inTime = await deadline.race(Promise.all([jobScheduler.whenIdle(), inputsStopped]));
  deadline.cancel();

  const abandoned: AbandonedWork[] = [];
  let batchAbandoned = false;
  if (!inTime) {
    const reason = `${graceful ? 'stop({ stopGracefully: true })' : 'stop()'} gave up after ${limit} ms`;
    const batch = jobScheduler.abandonRunning(reason);
    if (batch) abandoned.push(batch);
    batchAbandoned = batch !== undefined;
    // A graceful stop would have run these; one without grace drops them by design.
    if (graceful) {
      for (const time of notRun) abandoned.push({ kind: 'batch', batchTime: time, step: undefined, message: `the batch at ${time} ms, not run` });
    }
    for (const input of inputs) {
      if (graceful && input instanceof ReceiverInputDStream && input.pendingRecords > 0) {
        const n = input.pendingRecords;
        abandoned.push({
          kind: 'records',
          streamId: input.inputId,
          name: input.creationSite,
          numRecords: n,
          message: `${n} record${n === 1 ? '' : 's'} that ${input.creationSite} received and no batch took`,
        });
      }
      if (stopped.has(input)) continue;
      const what = input instanceof ReceiverInputDStream ? "whose receiver's onStop() had not returned" : 'whose stop() had not returned';
      abandoned.push({ kind: 'input', streamId: input.inputId, name: input.creationSite, message: `${input.creationSite}, ${what}` });
      if (input instanceof ReceiverInputDStream) input.supervisor.abandonStop(`StreamingContext stopped; ${reason} waiting for onStop()`);
    }
    if (abandoned.length > 0) ctx.logger.warn(`StreamingContext.stop(): ${reason}, abandoning ${abandoned.map((a) => a.message).join('; ')}.`);
  }
  error ??= ctx.failure();
  const { checkpoint } = ctx;
  if (checkpoint) {
    try {
      // The state after the last completed batch, so a restart need not run batches again
      // (not after a batch abandoned halfway: its state may be half-changed).
      if (error === undefined && !ctx.lastBatchFailed() && !batchAbandoned) await checkpoint.checkpointer.checkpointOnStop(ctx.lastCompletedTime());
    } catch (e) {
      ctx.logger.error(`StreamingContext.stop(): could not write the last checkpoint (a restart runs the batches since the previous one again):`, e);
    }
    await checkpoint.checkpointer.close(checkpoint.owned).catch((e) => ctx.logger.error('StreamingContext.stop(): could not close the checkpoint store:', e));
    await releaseCheckpointLock(checkpoint.lock).catch((e) => ctx.logger.error("StreamingContext.stop(): could not release the checkpoint location's lock:", e));
  }
  // The context owns its worker pool: stopping (also after an error) stops the workers.
  await ctx.sparkContext.close().catch((e) => ctx.logger.error('StreamingContext.stop(): could not stop the workers:', e));
  ctx.stopped({ graceful, timeout: limit, abandoned });
  ctx.finish(error);
}

/**
 * A graceful stop, once the receivers have stopped: let batches be generated until every
 * record they stored is in one. A record stamped at or after the next boundary (a boundary
 * that fired late, a receiver storing while its onStop() ran) waits for the boundary after.
 */
async function allocateEverythingReceived(ctx: StoppingContext, receivers: readonly ReceiverInputDStream<unknown>[]): Promise<void> {
  while (receivers.some((r) => r.pendingRecords > 0)) {
    const next = ctx.jobGenerator.nextBatchTime;
    const generated = ctx.jobGenerator.whenGenerated(next);
    if (isManualClock(ctx.scheduler)) await ctx.scheduler.advanceTo(next);
    await generated;
  }
}
