// SCAFFOLD — replaced by the sinks work; do not ship.
import type { RDD } from '../rdd/index.ts';
export function saveAsTextFiles<T>(_prefix: string, _suffix?: string): (rdd: RDD<T>, time: number) => Promise<void> {
  return async () => { throw new Error('saveAsTextFiles: not implemented yet'); };
}
