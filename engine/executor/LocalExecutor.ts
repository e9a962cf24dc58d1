import { InternalError } from '../util/errors.ts';
import type { FunctionDescriptor } from '../rdd/descriptor.ts';
import { FetchFailedError, type Executor, type TaskOutput, type TaskSpec } from './Executor.ts';
import { TaskRunner, fromWireError } from './runTask.ts';
import { packReply, packTask, unpackReply, unpackTask } from './transfer.ts';

/**
 * Runs tasks in the calling thread, through the same protocol a worker speaks: each message is
 * packed (transfer.ts) and structured-cloned as postMessage would, and a TaskRunner computes it.
 * For tests of the protocol without threads, and where no worker can be started. It is one
 * executor (id 0) with one block store, never lost.
 */
export class LocalExecutor implements Executor {
  private readonly runner = new TaskRunner();
  private nextTaskId = 0;

  constructor() {
    void this.runner.handle({ kind: 'connect', executor: 0, peers: [] });
  }

  async runTask(task: TaskSpec): Promise<TaskOutput> {
    const { description: _description, preferredExecutors: _preferred, ...spec } = task;
    const [wire, transfer] = packTask({ kind: 'runTask' as const, taskId: this.nextTaskId++, attempt: 0, functions: [] as FunctionDescriptor[], ...spec });
    const message = unpackTask(structuredClone(wire, { transfer }));
    const [wireReply, replyTransfer] = packReply(await this.runner.handle(message), message.result);
    const reply = unpackReply(structuredClone(wireReply, { transfer: replyTransfer }), message.result);
    if (reply.kind === 'taskFailed') throw fromWireError(reply.error);
    if (reply.kind !== 'taskResult') throw new InternalError(`internal: unexpected reply ${reply.kind}`);
    return { value: reply.value, executor: 0, stored: reply.stored };
  }

  isLive(executor: number): boolean {
    return executor === 0;
  }

  async fetchBlocks(executor: number, blockIds: readonly string[]): Promise<unknown[][]> {
    return blockIds.map((id) => {
      const block = executor === 0 ? this.runner.blocks.get(id) : undefined;
      if (!block) throw new FetchFailedError(executor, id);
      return structuredClone(block) as unknown[];
    });
  }

  removeBlocks(prefixes: readonly string[]): void {
    this.runner.blocks.remove(prefixes);
  }

  async close(): Promise<void> {}
}
