import { FetchFailedError } from './Executor.ts';
import type { BlockLocation, PeerMessage, PeerPort } from './protocol.ts';
import { toWire } from '../rdd/wireForm.ts';
import { packBlocks, unpackBlocks } from './transfer.ts';

/**
 * A worker's block store (Spark's BlockManager, one per executor): shuffle map outputs and cached
 * partitions this worker computed, by block id, plus a MessagePort to every other live worker.
 * Blocks are served to peers that ask (`fetch` → `blocks`) and fetched from them directly, so
 * shuffle data moves between workers without passing through the driver.
 *
 * Who owns a block: the store. A block read in this worker is the stored array itself (no copy;
 * readers must not modify it, as with the driver's map outputs); a block sent to a peer is a
 * structured clone of its records' plain forms (rdd/wireForm.ts).
 */
export class BlockManager {
  /** This worker's executor id, set by the driver's `connect`; -1 until then. */
  executor = -1;
  private readonly blocks = new Map<string, readonly unknown[]>();
  private readonly peers = new Map<number, Peer>();

  put(blockId: string, records: readonly unknown[]): void {
    this.blocks.set(blockId, records);
  }

  get(blockId: string): readonly unknown[] | undefined {
    return this.blocks.get(blockId);
  }

  /** A block as it is sent to another thread: its records' plain forms (see rdd/wireForm.ts). */
  getForTransfer(blockId: string): readonly unknown[] | undefined {
    const block = this.blocks.get(blockId);
    return block && toWire(block);
  }

  /** Drop every block whose id starts with one of `prefixes`. */
  remove(prefixes: readonly string[]): void {
    for (const id of this.blocks.keys()) if (prefixes.some((p) => id.startsWith(p))) this.blocks.delete(id);
  }

  get size(): number {
    return this.blocks.size;
  }

  connect(executor: number, peers: readonly { readonly executor: number; readonly port: PeerPort }[]): void {
    this.executor = executor;
    for (const { executor: id, port } of peers) {
      this.peers.get(id)?.lost();
      this.peers.set(
        id,
        new Peer(
          id,
          port,
          (blockId) => this.getForTransfer(blockId),
          () => this.peers.delete(id),
        ),
      );
    }
  }

  /** The driver saw that worker die: fail what is pending from it, and never ask it again. */
  peerLost(executor: number): void {
    this.peers.get(executor)?.lost();
  }

  /**
   * The records of each location, in order: read here when this executor holds the block, fetched
   * from its executor otherwise (one request per executor, all in parallel). Rejects with
   * FetchFailedError when a block's executor is lost or no longer has it.
   */
  async fetch(locations: readonly BlockLocation[]): Promise<(readonly unknown[])[]> {
    const out: (readonly unknown[])[] = new Array(locations.length);
    const remote = new Map<number, number[]>();
    locations.forEach((loc, i) => {
      if (loc.executor === this.executor) {
        const block = this.blocks.get(loc.blockId);
        if (!block) throw new FetchFailedError(loc.executor, loc.blockId, `block ${loc.blockId} is not in this worker's store (executor ${loc.executor})`);
        out[i] = block;
      } else {
        let indices = remote.get(loc.executor);
        if (!indices) remote.set(loc.executor, (indices = []));
        indices.push(i);
      }
    });
    await Promise.all(
      [...remote].map(async ([executor, indices]) => {
        const ids = indices.map((i) => locations[i]!.blockId);
        const peer = this.peers.get(executor);
        if (!peer) throw new FetchFailedError(executor, ids[0]!);
        const blocks = await peer.request(ids);
        blocks.forEach((b, j) => {
          if (!b) throw new FetchFailedError(executor, ids[j]!, `block ${ids[j]} is not in the store of executor ${executor}`);
          out[indices[j]!] = b;
        });
      }),
    );
    return out;
  }
}

/** One end of a MessageChannel to another worker: serves its fetches, and sends ours. */
class Peer {
  private nextRequest = 0;
  private readonly pending = new Map<number, { resolve: (b: readonly (readonly unknown[] | null)[]) => void; reject: (e: Error) => void; first: string }>();
  private closed = false;

  constructor(
    readonly executor: number,
    private readonly port: PeerPort,
    blockFor: (blockId: string) => readonly unknown[] | undefined,
    private readonly forget: () => void,
  ) {
    port.addEventListener('message', (e: MessageEvent<PeerMessage>) => {
      const m = e.data;
      if (m.kind === 'fetch') {
        const [blocks, transfer] = packBlocks(m.blockIds.map((id) => blockFor(id) ?? null));
        port.postMessage({ kind: 'blocks', requestId: m.requestId, blocks } satisfies PeerMessage, transfer);
      } else {
        const p = this.pending.get(m.requestId);
        this.pending.delete(m.requestId);
        p?.resolve(unpackBlocks(m.blocks));
      }
    });
    // Node closes the other end when a worker exits; browsers only learn it from the driver (peerLost).
    port.addEventListener('close', () => this.lost());
    port.start();
  }

  request(blockIds: readonly string[]): Promise<readonly (readonly unknown[] | null)[]> {
    if (this.closed) return Promise.reject(new FetchFailedError(this.executor, blockIds[0]!));
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject, first: blockIds[0]! });
      this.port.postMessage({ kind: 'fetch', requestId, blockIds } satisfies PeerMessage, []);
    });
  }

  lost(): void {
    if (this.closed) return;
    this.closed = true;
    this.forget();
    for (const p of this.pending.values()) p.reject(new FetchFailedError(this.executor, p.first));
    this.pending.clear();
    this.port.close();
  }
}
