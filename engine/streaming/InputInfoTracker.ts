import type { ReceiverInputInfo, StreamInputInfo } from './listener.ts';

/** What each input stream took for each batch (Spark's InputInfoTracker), for BatchInfo. */
export class InputInfoTracker {
  private readonly byTime = new Map<number, Record<number, StreamInputInfo>>();

  report(time: number, inputId: number, numRecords: number, receiver?: ReceiverInputInfo): void {
    let infos = this.byTime.get(time);
    if (!infos) this.byTime.set(time, (infos = {}));
    const info = infos[inputId];
    if (info) info.numRecords += numRecords;
    else infos[inputId] = { inputStreamId: inputId, numRecords, ...(receiver ? { receiver } : {}) };
  }

  /** Each input stream's info, by id. */
  getInputInfos(time: number): Record<number, StreamInputInfo> {
    return { ...this.byTime.get(time) };
  }

  cleanup(upTo: number): void {
    for (const t of [...this.byTime.keys()]) if (t <= upTo) this.byTime.delete(t);
  }
}
