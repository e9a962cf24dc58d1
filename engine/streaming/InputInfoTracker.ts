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

  /** Records per input stream id. */
  getInfo(time: number): Record<number, number> {
    const out: Record<number, number> = {};
    for (const [id, info] of Object.entries(this.byTime.get(time) ?? {})) out[Number(id)] = info.numRecords;
    return out;
  }

  getInputInfos(time: number): Record<number, StreamInputInfo> {
    const out: Record<number, StreamInputInfo> = {};
    for (const [id, info] of Object.entries(this.byTime.get(time) ?? {})) out[Number(id)] = { ...info };
    return out;
  }

  cleanup(upTo: number): void {
    for (const t of [...this.byTime.keys()]) if (t <= upTo) this.byTime.delete(t);
  }
}
