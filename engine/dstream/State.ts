import { IllegalStateError, NoSuchElementError } from '../util/errors.ts';
/**
 * The state of one key inside a mapWithState function (Spark's State). A fresh view is handed to
 * each call; what the function does to it decides what is kept.
 *
 * Spark: `org.apache.spark.streaming.State`.
 *
 * @example
 * ```ts
 * StateSpec.function((key: string, value: number | undefined, state: State<number>) => {
 *   if (state.isTimingOut()) return [key, state.get()];
 *   const sum = (state.getOption() ?? 0) + (value ?? 0);
 *   state.update(sum);
 *   return [key, sum];
 * });
 * ```
 */
export class State<S> {
  private defined = false;
  private value: S | undefined = undefined;
  private removed = false;
  private updated = false;
  private timingOut = false;

  /** @internal Reset this view for the next key, so one object serves a whole partition. */
  wrap(defined: boolean, value: S | undefined, timingOut = false): this {
    this.defined = defined;
    this.value = value;
    this.removed = false;
    this.updated = false;
    this.timingOut = timingOut;
    return this;
  }

  exists(): boolean {
    return this.defined;
  }

  /** The state; throws when there is none (check exists() first, or use getOption()). */
  get(): S {
    if (!this.defined) throw new NoSuchElementError('State.get(): this key has no state (it was never set, or was removed). Check state.exists() first.');
    return this.value as S;
  }

  getOption(): S | undefined {
    return this.defined ? this.value : undefined;
  }

  update(newState: S): void {
    if (this.removed) throw new IllegalStateError('State.update(): cannot update the state after it has been removed in this call.');
    if (this.timingOut) throw new IllegalStateError('State.update(): cannot update the state of a key that is timing out.');
    this.defined = true;
    this.value = newState;
    this.updated = true;
  }

  remove(): void {
    if (this.timingOut) throw new IllegalStateError('State.remove(): cannot remove the state of a key that is timing out; it is removed anyway.');
    if (this.removed) throw new IllegalStateError('State.remove(): the state has already been removed.');
    this.defined = false;
    this.value = undefined;
    this.removed = true;
  }

  isTimingOut(): boolean {
    return this.timingOut;
  }

  /** @internal */
  get isRemoved(): boolean {
    return this.removed;
  }
  /** @internal */
  get isUpdated(): boolean {
    return this.updated;
  }
}
