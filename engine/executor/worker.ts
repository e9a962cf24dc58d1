import * as Comlink from 'comlink';
import { workerEndpoint } from '#worker';
import { TaskRunner } from './runTask.ts';
import type { WorkerApi } from './protocol.ts';
import { packBlocks, packReply, unpackTask } from './transfer.ts';

/** A worker's entry point (worker_threads or a Web Worker): one TaskRunner, exposed through Comlink. */
const runner = new TaskRunner();
const api: WorkerApi = {
  async handle(message) {
    if (message.kind === 'getBlocks') {
      const reply = await runner.handle(message);
      if (reply.kind !== 'blocks') return reply;
      const [blocks, transfer] = packBlocks(reply.blocks);
      return Comlink.transfer({ kind: 'blocks', blocks }, transfer);
    }
    if (message.kind !== 'runTask') return runner.handle(message);
    // Partitions cross here and in WorkerPool (transfer.ts).
    const [reply, transfer] = packReply(await runner.handle(unpackTask(message)), message.result);
    return Comlink.transfer(reply, transfer);
  },
};
Comlink.expose(api, workerEndpoint());
