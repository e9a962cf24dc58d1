import type { FunctionDescriptor } from '../rdd/descriptor.ts';
import type { Executor, TaskOutput, TaskSpec } from './Executor.ts';
import { TaskRunner, fromWireError } from './runTask.ts';
import { packReply, packTask, unpackReply, unpackTask } from './transfer.ts';

/**
 * Runs tasks in the calling thread, through the same protocol a worker speaks: each message is
 * packed (transfer.ts) and structured-cloned as postMessage would, and a TaskRunner computes it.
 * For tests of the protocol without threads, and where no worker can be started.
 */
export class LocalExecutor implements Executor {
  private readonly runner = new TaskRunner();
  private nextTaskId = 0;

  async runTask(task: TaskSpec): Promise<TaskOutput> {
    const { description: _description, ...spec } = task;
    const [wire, transfer] = packTask({ kind: 'runTask' as const, taskId: this.nextTaskId++, attempt: 0, functions: [] as FunctionDescriptor[], ...spec });
    const message = unpackTask(structuredClone(wire, { transfer }));
    const [wireReply, replyTransfer] = packReply(await this.runner.handle(message), message.result);
    const reply = unpackReply(structuredClone(wireReply, { transfer: replyTransfer }), message.result);
    if (reply.kind === 'taskFailed') throw fromWireError(reply.error);
    if (reply.kind !== 'taskResult') throw new Error(`internal: unexpected reply ${reply.kind}`);
    return { value: reply.value, cached: reply.cached };
  }

  async close(): Promise<void> {}
}
