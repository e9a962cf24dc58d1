import { RivuletError } from '../util/errors.ts';
import type { OverflowPolicy } from './ReceiverOptions.ts';

/**
 * A receiver's buffer was full and its policy says to fail (overflow `'fail'`), or, under
 * `'block'`, the receiver went on storing without waiting for room (it cannot pause its source).
 * The batch after the last one holding the receiver's records fails with it (as the `cause` of
 * its {@link BatchFailedError}); the receiver is stopped. Names the receiver (its stream's call
 * site and id) and the limit.
 *
 * Spark has no counterpart: its receivers block in their rate limiter and never fail for load.
 *
 * @example
 * ```ts
 * import { ReceiverBufferFullError } from 'rivulet';
 * await ssc.awaitTermination().catch((e) => {
 *   if (e.cause instanceof ReceiverBufferFullError) console.error(`${e.cause.receiver} holds at most ${e.cause.bufferSize} records`);
 * });
 * ```
 */
export class ReceiverBufferFullError extends RivuletError {
  static override get code(): string {
    return 'RIVULET_RECEIVER_BUFFER_FULL';
  }
  constructor(
    /** The input stream's id (as in BatchInfo.streamIdToNumRecords). */
    readonly streamId: number,
    /** The stream's operation and call site: `socketTextStream at app.ts:12:5`. */
    readonly receiver: string,
    readonly bufferSize: number,
    readonly overflow: OverflowPolicy,
    message: string,
  ) {
    super(message);
  }
}
