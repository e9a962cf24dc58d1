/** Records received per input stream per batch, for BatchInfo.numRecords. */
export class InputInfoTracker {
  private readonly byTime = new Map<number, Record<number, number>>();

  report(time: number, inputId: number, numRecords: number): void {
    const info = this.byTime.get(time) ?? {};
    info[inputId] = (info[inputId] ?? 0) + numRecords;
    this.byTime.set(time, info);
  }

  getInfo(time: number): Record<number, number> {
    return { ...(this.byTime.get(time) ?? {}) };
  }

  cleanup(upTo: number): void {
    for (const t of [...this.byTime.keys()]) if (t <= upTo) this.byTime.delete(t);
  }
}
