import { RecoveryError } from '../checkpoint/RecoveryError.ts';
import { InvalidArgumentError, InputReadError } from '../util/errors.ts';
import { platform } from '#platform';
import { InputDStream } from '../dstream/InputDStream.ts';
import type { RDD } from '../rdd/index.ts';
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import { userCallSite } from '../util/callSite.ts';
import { checkDuration, type Duration } from '../util/duration.ts';
import { checkEncoding, decodeLines } from './lines.ts';
import type { InputRecovery } from '../dstream/checkpointing.ts';

/**
 * Options of `ssc.textFileStream(directory, options)` (Spark's textFileStream / fileStream with
 * its `filter` and `newFilesOnly` arguments). Node only.
 *
 * @example
 * ```ts
 * import { Minutes, type TextFileStreamOptions } from 'rivulet';
 * const options: TextFileStreamOptions = { newFilesOnly: false, filter: (p) => p.endsWith('.log'), minRememberDuration: Minutes(5) };
 * const lines = ssc.textFileStream('/var/log/incoming', options);
 * ```
 */
export interface TextFileStreamOptions {
  /**
   * Only files modified after the stream started (default, Spark's). false: the first batch also
   * takes every file already in the directory, whatever its age (Spark would only take those of
   * the last minute — its remember window — which is rarely what `newFilesOnly = false` means).
   */
  newFilesOnly?: boolean;
  /** Also skip files whose name this rejects (Spark's `filter`). Hidden files are always skipped. */
  filter?: (path: string) => boolean;
  /** How the bytes are decoded: a WHATWG encoding label. Default "utf-8". */
  encoding?: string;
  /**
   * How long selected files are remembered by name, so a file is never taken twice (Spark's
   * spark.streaming.fileStream.minRememberDuration, default 60 s). A file that appears with a
   * modification time older than this (moved in by `cp -p`, `rsync -t`, `tar`) is still taken:
   * files are also told apart by whether the previous listing had them.
   */
  minRememberDuration?: Duration;
}

/**
 * The lines of new files in a directory (Spark's FileInputDStream behind textFileStream). At
 * each batch time t the directory is listed, and a file is taken when
 * - its name does not start with `.` or `_` (temporary and hidden files, as in Hadoop) and
 *   passes `filter`,
 * - its modification time is in (threshold, t] — threshold is the stream's start time
 *   (newFilesOnly) or the remember window's start, whichever is later; a file modified after t
 *   waits for the next batch — or, whatever its modification time (at most t), it was not in
 *   the directory at the previous listing (a file moved in with its old time kept: `cp -p`,
 *   `rsync -t`, `tar`; Spark never reads such a file once its time is behind the window),
 * - it was not taken by a batch in the remember window.
 * Each file becomes one partition, its lines the records. Files must appear complete: write them
 * elsewhere (or under a hidden name) and rename them in — a rename keeps the modification time,
 * which is why the remember window exists. A file changed after it was taken is not read again.
 *
 * Times are the context clock's: files' modification times are wall-clock times, so the clock
 * must be wall time (the default) or a ManualClock started near Date.now(). The directory is
 * listed and the files read synchronously when the batch is generated (compute() is
 * synchronous), so BatchInfo.numRecords is exact. Node only.
 *
 * Checkpoints: its position is the files taken by the batches in the remember window, the start
 * threshold and the names the directory held (so a file there before the checkpoint is not taken
 * as new after it); each batch logs the files it took. On recovery the logged batches read the
 * same files again (as Spark's FileInputDStream does), files taken before are never taken again,
 * and the batches of the down time take the files that appeared meanwhile.
 */
export class FileInputDStream extends InputDStream<string> {
  private readonly newFilesOnly: boolean;
  private readonly fileFilter: ((path: string) => boolean) | undefined;
  private readonly encoding: string;
  private readonly durationToRemember: Duration;
  private initialModTimeIgnoreThreshold = Number.NEGATIVE_INFINITY;
  private firstBatchDone = false;
  private readonly batchTimeToSelectedFiles = new Map<number, string[]>();
  private readonly recentlySelectedFiles = new Set<string>();
  /**
   * Every file in the directory at the last listing (or taken from the log), with the batch time
   * it was first seen: a file not in it is new whatever its modification time. Its size is the
   * directory's.
   */
  private readonly knownFiles = new Map<string, number>();
  private lastListingError: string | undefined;

  constructor(
    ssc: StreamingContext,
    readonly directory: string,
    options: TextFileStreamOptions = {},
    callSite?: string,
  ) {
    super(ssc, 'textFileStream', callSite);
    this.newFilesOnly = options.newFilesOnly ?? true;
    this.fileFilter = options.filter;
    this.encoding = checkEncoding(options.encoding, 'textFileStream');
    const minRemember = checkDuration(options.minRememberDuration ?? 60_000, 'textFileStream: minRememberDuration');
    // Spark: the smallest whole number of batches covering minRememberDuration.
    this.durationToRemember = Math.ceil(minRemember / this.slideDuration) * this.slideDuration;
  }

  override start(): void {
    const position = this.recovery?.position as Partial<FileStreamPosition> | undefined;
    // A recovered stream keeps the threshold of the run that started it.
    if (this.newFilesOnly && position === undefined) this.initialModTimeIgnoreThreshold = this.ssc.now();
    // The files already there are not new (a checkpoint from before `known` was kept: as at a fresh start).
    if (this.newFilesOnly && position?.known === undefined) {
      try {
        for (const f of platform.listFiles(this.directory)) if (!isHidden(f.name)) this.knownFiles.set(f.path, this.zeroTime!);
      } catch {
        // Not there yet: the first batch's listing reports it.
      }
    }
  }

  protected compute(validTime: number): RDD<string> {
    const logged = this.recovery?.logged.get(validTime) as { files?: unknown } | undefined;
    let files: { path: string }[];
    if (logged !== undefined) {
      if (!Array.isArray(logged.files) || !logged.files.every((f) => typeof f === 'string')) {
        throw new RecoveryError(`${this.creationSite}: the write-ahead log record of the batch at ${validTime} ms does not list the files it took (${JSON.stringify(logged).slice(0, 80)}).`);
      }
      files = logged.files.map((path) => ({ path }));
    } else if (this.isDoneAndUnlogged(validTime)) {
      files = [];
    } else {
      files = this.findNewFiles(validTime);
    }
    this.batchTimeToSelectedFiles.set(
      validTime,
      files.map((f) => f.path),
    );
    for (const f of files) {
      this.recentlySelectedFiles.add(f.path);
      // A batch made again from the log took these: they are not new to the batches after it.
      if (!this.knownFiles.has(f.path)) this.knownFiles.set(f.path, validTime);
    }
    const partitions: string[][] = [];
    let numRecords = 0;
    for (const file of files) {
      let lines: string[];
      try {
        lines = decodeLines(platform.readFile(file.path), this.encoding);
      } catch (e) {
        // Deleted between listing and reading: the file is gone, nothing to process.
        if ((e as { code?: string }).code === 'ENOENT') continue;
        throw new InputReadError(`textFileStream: could not read ${file.path} for the batch at ${validTime} ms: ${(e as Error).message}`, { cause: e });
      }
      partitions.push(lines);
      numRecords += lines.length;
    }
    this.reportRecords(validTime, numRecords);
    return this.ssc.sparkContext.fromPartitions(partitions, 'textFileStream');
  }

  private findNewFiles(currentTime: number): { path: string; modificationTime: number }[] {
    const everything = !this.newFilesOnly && !this.firstBatchDone;
    this.firstBatchDone = true;
    const threshold = everything ? Number.NEGATIVE_INFINITY : Math.max(this.initialModTimeIgnoreThreshold, currentTime - this.durationToRemember);
    let listing;
    try {
      listing = platform.listFiles(this.directory);
    } catch (e) {
      // Spark logs and produces an empty batch; the directory may appear later.
      const reason = (e as Error).message;
      const message = `textFileStream: cannot list ${this.directory} (${reason}); the batch at ${currentTime} ms has no files. Listing again at the next batch.`;
      // Once per run of the same failure to the logger; every time to listeners.
      if (reason !== this.lastListingError) this.ssc.logger.warn(message);
      this.lastListingError = reason;
      this.ssc.listenerBus.post({ type: 'receiverError', time: this.ssc.now(), streamId: this.inputId, name: this.creationSite, message, error: e });
      return [];
    }
    this.lastListingError = undefined;
    const visible = listing.filter((f) => !isHidden(f.name));
    const known = this.knownFiles;
    const selected = visible
      .filter((f) => (f.modificationTime > threshold || !known.has(f.path)) && f.modificationTime <= currentTime)
      .filter((f) => !this.recentlySelectedFiles.has(f.path))
      .filter((f) => this.fileFilter === undefined || this.fileFilter(f.path))
      // Oldest first, then by name: the order of partitions does not depend on the listing's.
      .sort((a, b) => a.modificationTime - b.modificationTime || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    // Known from now on: what this listing holds, except files modified after this batch that
    // wait for a later one (their modification time will be past the threshold then). A file
    // gone from the directory is forgotten: one appearing again under its name is new.
    const present = new Set<string>();
    for (const f of visible) {
      present.add(f.path);
      if (!known.has(f.path) && f.modificationTime <= currentTime) known.set(f.path, currentTime);
    }
    for (const path of known.keys()) if (!present.has(path)) known.delete(path);
    return selected;
  }

  /** `{ files }`: the files this batch took, in partition order. */
  override logBatch(time: number): { files: string[] } | undefined {
    const files = this.batchTimeToSelectedFiles.get(time);
    return files && { files };
  }

  /** The threshold, and the files taken by the batches up to `time` that are still remembered. */
  override checkpointPosition(time: number): FileStreamPosition {
    return {
      threshold: this.initialModTimeIgnoreThreshold,
      firstBatchDone: time > this.zeroTime!,
      selected: [...this.batchTimeToSelectedFiles].filter(([t]) => t <= time),
      known: [...this.knownFiles].filter(([, t]) => t <= time).map(([path]) => path),
    };
  }

  override restore(recovery: InputRecovery): void {
    super.restore(recovery);
    const p = recovery.position as Partial<FileStreamPosition> | undefined;
    if (p === undefined) return;
    if (typeof p.threshold !== 'number' || !Array.isArray(p.selected)) {
      throw new RecoveryError(`${this.creationSite}: the checkpointed position of this stream is not a file stream's (${JSON.stringify(p).slice(0, 80)}).`);
    }
    this.initialModTimeIgnoreThreshold = p.threshold;
    this.firstBatchDone = p.firstBatchDone === true;
    for (const [t, files] of p.selected) {
      this.batchTimeToSelectedFiles.set(t, files);
      for (const f of files) this.recentlySelectedFiles.add(f);
    }
    if (Array.isArray(p.known)) for (const path of p.known) this.knownFiles.set(path, Number.NEGATIVE_INFINITY);
  }

  override clearMetadata(time: number): void {
    super.clearMetadata(time);
    // A file forgotten here was modified at or before its batch time, which is now behind the
    // ignore threshold, so it cannot be taken again.
    for (const [t, files] of this.batchTimeToSelectedFiles) {
      if (t >= time - this.durationToRemember) continue;
      this.batchTimeToSelectedFiles.delete(t);
      for (const f of files) this.recentlySelectedFiles.delete(f);
    }
  }
}

/** A file stream's position in a checkpoint. */
interface FileStreamPosition {
  /** Files modified at or before it are never taken (the start time with newFilesOnly). */
  threshold: number;
  firstBatchDone: boolean;
  /** `[batchTime, paths]` of the batches whose files are remembered (never taken again). */
  selected: [number, string[]][];
  /** The files in the directory as of the checkpoint (absent in checkpoints of older versions). */
  known?: string[];
}

function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}

/** `ssc.textFileStream(directory, options)`: see FileInputDStream. */
export function textFileStream(ssc: StreamingContext, directory: string, options: TextFileStreamOptions = {}): InputDStream<string> {
  platform.requireSupport('textFileStream');
  if (typeof directory !== 'string' || directory.length === 0) throw new InvalidArgumentError(`textFileStream: directory must be a non-empty path, got ${JSON.stringify(directory)}.`);
  if (options.filter !== undefined && typeof options.filter !== 'function')
    throw new InvalidArgumentError(`textFileStream: filter must be a function (path) => boolean, got ${typeof options.filter}.`);
  return new FileInputDStream(ssc, directory, options, userCallSite());
}
