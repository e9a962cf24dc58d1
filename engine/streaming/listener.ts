import { Subject, type Observable } from 'rxjs';

/** One output operation's run within a batch (Spark's OutputOperationInfo). */
export interface OutputOperationInfo {
  batchTime: number;
  id: number;
  /** `print at wordcount.ts:20:7` */
  name: string;
  startTime?: number;
  endTime?: number;
  duration?: number;
  failureReason?: string;
}

/** A batch's progress and delays (Spark's BatchInfo). All times come from the context's scheduler. */
export interface BatchInfo {
  batchTime: number;
  /** Records per input stream id. */
  streamIdToNumRecords: Record<number, number>;
  numRecords: number;
  submissionTime: number;
  processingStartTime?: number;
  processingEndTime?: number;
  /** processingStartTime - submissionTime */
  schedulingDelay?: number;
  /** processingEndTime - processingStartTime */
  processingDelay?: number;
  /** schedulingDelay + processingDelay */
  totalDelay?: number;
  outputOperationInfos: OutputOperationInfo[];
  failureReason?: string;
}

export type StreamingListenerEvent =
  | { type: 'streamingStarted'; time: number }
  | { type: 'batchSubmitted'; batchInfo: BatchInfo }
  | { type: 'batchStarted'; batchInfo: BatchInfo }
  | { type: 'batchCompleted'; batchInfo: BatchInfo }
  | { type: 'outputOperationStarted'; outputOperationInfo: OutputOperationInfo }
  | { type: 'outputOperationCompleted'; outputOperationInfo: OutputOperationInfo }
  | { type: 'receiverStarted'; time: number; streamId: number; name: string }
  | { type: 'receiverStopped'; time: number; streamId: number; name: string; message: string }
  | { type: 'receiverError'; time: number; streamId: number; name: string; message: string; error: unknown };

type EventOf<K extends StreamingListenerEvent['type']> = Extract<StreamingListenerEvent, { type: K }>;

/** Spark's StreamingListener: implement the callbacks you need. */
export interface StreamingListener {
  onStreamingStarted?(event: EventOf<'streamingStarted'>): void;
  onBatchSubmitted?(event: EventOf<'batchSubmitted'>): void;
  onBatchStarted?(event: EventOf<'batchStarted'>): void;
  onBatchCompleted?(event: EventOf<'batchCompleted'>): void;
  onOutputOperationStarted?(event: EventOf<'outputOperationStarted'>): void;
  onOutputOperationCompleted?(event: EventOf<'outputOperationCompleted'>): void;
  onReceiverStarted?(event: EventOf<'receiverStarted'>): void;
  onReceiverStopped?(event: EventOf<'receiverStopped'>): void;
  onReceiverError?(event: EventOf<'receiverError'>): void;
}

const CALLBACK: { [K in StreamingListenerEvent['type']]: keyof StreamingListener } = {
  streamingStarted: 'onStreamingStarted',
  batchSubmitted: 'onBatchSubmitted',
  batchStarted: 'onBatchStarted',
  batchCompleted: 'onBatchCompleted',
  outputOperationStarted: 'onOutputOperationStarted',
  outputOperationCompleted: 'onOutputOperationCompleted',
  receiverStarted: 'onReceiverStarted',
  receiverStopped: 'onReceiverStopped',
  receiverError: 'onReceiverError',
};

/**
 * Delivers events to listeners, in order, on the driver, and as an RxJS Observable for UIs. A
 * listener that throws is reported on the console and does not affect the stream.
 */
export class StreamingListenerBus {
  private readonly listeners = new Set<StreamingListener>();
  private readonly subject = new Subject<StreamingListenerEvent>();
  readonly events$: Observable<StreamingListenerEvent> = this.subject.asObservable();

  add(listener: StreamingListener): void {
    this.listeners.add(listener);
  }

  remove(listener: StreamingListener): void {
    this.listeners.delete(listener);
  }

  post(event: StreamingListenerEvent): void {
    const name = CALLBACK[event.type];
    for (const l of this.listeners) {
      const cb = l[name] as ((e: StreamingListenerEvent) => void) | undefined;
      if (!cb) continue;
      try {
        cb.call(l, event);
      } catch (e) {
        console.error(`StreamingListener.${name} threw (the stream goes on):`, e);
      }
    }
    this.subject.next(event);
  }

  complete(): void {
    this.subject.complete();
  }
}
