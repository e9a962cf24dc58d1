import { afterEach, describe, expect, test, vi } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { StreamingContext } from '../../engine/streaming/StreamingContext.ts';
import type { StreamingListenerEvent } from '../../engine/streaming/listener.ts';
import { collectBatches, sleep, union, until } from './helpers.ts';

let ssc: StreamingContext | undefined;
const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  await ssc?.stop();
  ssc = undefined;
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** A TCP server on 127.0.0.1 (port 0 unless given) that hands each accepted connection to `onConnection`. */
async function startServer(onConnection: (socket: Socket, index: number) => void, port = 0): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection(socket, count++);
  });
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port, connections: () => count };
}

function receiverErrors(ctx: StreamingContext): string[] {
  const messages: string[] = [];
  ctx.events$.subscribe((e: StreamingListenerEvent) => {
    if (e.type === 'receiverError') messages.push(e.message);
  });
  return messages;
}

describe('socketTextStream', () => {
  test('lines split across chunks, \\r\\n and a UTF-8 character cut in two all arrive whole', async () => {
    const euro = Buffer.from('€', 'utf8'); // three bytes
    const chunks: (string | Buffer)[] = [
      'hello wor',
      'ld\r\nsecond line\nthi',
      'rd\r',
      '\nfourth\n\nprice: 5',
      euro.subarray(0, 1),
      Buffer.concat([euro.subarray(1), Buffer.from('\n')]),
      'old mac\rline',
      '\n',
    ];
    const { port } = await startServer(async (socket) => {
      for (const chunk of chunks) {
        socket.write(chunk);
        await sleep(15); // separate TCP segments, and usually separate blocks and batches
      }
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port));
    ssc.start();
    const expected = ['hello world', 'second line', 'third', 'fourth', '', 'price: 5€', 'old mac', 'line'];
    await until(() => union(batches).length >= expected.length, 'all lines');
    await sleep(150);
    expect(union(batches)).toEqual(expected);
    for (const b of batches) expect(b.time % 100).toBe(0);
  });

  test('many lines in a burst: every line once, in order', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const { port } = await startServer((socket) => {
      socket.write(lines.join('\n') + '\n');
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port));
    ssc.start();
    await until(() => union(batches).length >= lines.length, 'all 5000 lines');
    expect(union(batches)).toEqual(lines);
  });

  test('when the server closes the connection the receiver stores the last line and reconnects', async () => {
    const { port, connections } = await startServer((socket, index) => {
      if (index === 0) socket.end('a\nb\nunterminated'); // write, then close
      else socket.write(`after reconnect ${index}\n`);
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const errors = receiverErrors(ssc);
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port, { restartDelayMs: 50 }));
    ssc.start();
    await until(() => union(batches).includes('after reconnect 1'), 'the line sent on the second connection');
    expect(union(batches)).toEqual(['a', 'b', 'unterminated', 'after reconnect 1']);
    expect(connections()).toBe(2);
    expect(errors).toEqual(['Restarting receiver with delay 50 ms: Socket data stream had no more data']);
  });

  test('a connection reset by the server is an error; the receiver reconnects', async () => {
    const { port, connections } = await startServer((socket, index) => {
      if (index === 0) socket.write('first\n', () => setTimeout(() => socket.resetAndDestroy(), 20));
      else socket.write('second\n');
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const errors = receiverErrors(ssc);
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port, { restartDelayMs: 50 }));
    ssc.start();
    await until(() => union(batches).includes('second'), 'the line sent on the second connection');
    expect(union(batches)).toEqual(['first', 'second']);
    expect(connections()).toBe(2);
    expect(errors).toEqual([`Restarting receiver with delay 50 ms: Error receiving data from 127.0.0.1:${port}: connection reset by the other side (ECONNRESET)`]);
  });

  test('a line cut short by a connection reset is dropped and reported, not delivered as a record', async () => {
    const { port } = await startServer((socket, index) => {
      if (index === 0) socket.write('whole\nhalf a li', () => setTimeout(() => socket.resetAndDestroy(), 20));
      else socket.write('second\n');
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const errors = receiverErrors(ssc);
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port, { restartDelayMs: 50 }));
    ssc.start();
    await until(() => union(batches).includes('second'), 'the line sent on the second connection');
    expect(union(batches)).toEqual(['whole', 'second']);
    expect(errors).toEqual([
      `Dropped an incomplete line from 127.0.0.1:${port} (9 characters without a line terminator), cut by the connection error`,
      `Restarting receiver with delay 50 ms: Error receiving data from 127.0.0.1:${port}: connection reset by the other side (ECONNRESET)`,
    ]);
  });

  test('connection refused: retries every restartDelayMs until the server is up', async () => {
    // A port that was free a moment ago and has nothing listening now.
    const probe = await startServer(() => {});
    const port = probe.port;
    await new Promise<void>((resolve) => probe.server.close(() => resolve()));
    servers.splice(servers.indexOf(probe.server), 1);

    ssc = new StreamingContext({ batchInterval: 100 });
    const errors = receiverErrors(ssc);
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port, { restartDelayMs: 50 }));
    ssc.start();
    await until(() => errors.length >= 2, 'two failed attempts');
    expect(errors[0]).toBe(`Restarting receiver with delay 50 ms: Error connecting to 127.0.0.1:${port}: connection refused — nothing is listening there (ECONNREFUSED)`);

    await startServer((socket) => socket.write('finally\n'), port);
    await until(() => union(batches).length > 0, 'a line once the server is up');
    expect(union(batches)).toEqual(['finally']);
  });

  test('nothing on the port: the console is told once that the connection was refused, listeners hear every retry; told again after data came', async () => {
    const probe = await startServer(() => {});
    const port = probe.port;
    await new Promise<void>((resolve) => probe.server.close(() => resolve()));
    servers.splice(servers.indexOf(probe.server), 1);

    const told: string[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void told.push(args.join(' ')));
    try {
      ssc = new StreamingContext({ batchInterval: 100 });
      const errors = receiverErrors(ssc);
      const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port, { restartDelayMs: 30 }));
      ssc.start();
      await until(() => errors.length >= 4, 'four failed attempts');
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/^socketTextStream at \S*socketTextStream\.test\.ts:\d+:\d+: /);
      expect(told[0]).toContain(`Error connecting to 127.0.0.1:${port}: connection refused — nothing is listening there (ECONNREFUSED). Retrying every 30 ms`);

      // A server comes, sends a line and goes: the failure after data is news, told once more.
      const server = await startServer((socket) => {
        socket.end('hello\n');
        server.server.close();
      }, port);
      await until(() => union(batches).includes('hello'), 'the line');
      const after = errors.length;
      await until(() => errors.length >= after + 3, 'three more failed attempts');
      expect(told).toHaveLength(2);
      expect(told[1]).toContain('Socket data stream had no more data. Retrying every 30 ms');
    } finally {
      warn.mockRestore();
    }
  });

  test('stopping the context closes the connection', async () => {
    let closed = false;
    const { port } = await startServer((socket) => {
      socket.write('one\n');
      socket.on('close', () => (closed = true));
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port));
    ssc.start();
    await until(() => union(batches).length === 1, 'the first line');
    await ssc.stop();
    await until(() => closed, 'the server to see the connection closed');
  });

  test('encoding option decodes other charsets', async () => {
    const { port } = await startServer((socket) => socket.write(Buffer.from('naïve\r\ncafé\n', 'utf16le')));
    ssc = new StreamingContext({ batchInterval: 100 });
    const batches = collectBatches(ssc.socketTextStream('127.0.0.1', port, { encoding: 'utf-16le' }));
    ssc.start();
    await until(() => union(batches).length >= 2, 'two lines');
    expect(union(batches)).toEqual(['naïve', 'café']);
  });

  test("overflow 'block' (the default): a server faster than slow batches is held back by pausing the socket; every line arrives, in order", async () => {
    // 5,000 lines of 1,000 characters, a buffer of 1,000 records. A receiver that did not pause
    // would store on while 1,000 records wait, and the stream would fail saying so.
    const { port } = await startServer((socket) => {
      let n = 0;
      const write = () => {
        while (n < 5000) if (!socket.write(`${n++} `.padEnd(1000, 'x') + '\n')) return void socket.once('drain', write);
      };
      write();
    });
    ssc = new StreamingContext({ batchInterval: 100 });
    const lines = ssc.socketTextStream('127.0.0.1', port, { bufferSize: 1000 });
    expect(lines.settings.overflow).toBe('block');
    const numbers: number[] = [];
    lines.foreachRDD(async (rdd) => {
      for (const line of await rdd.collect()) numbers.push(Number(line.slice(0, line.indexOf(' '))));
      await sleep(50); // slower than the server
    });
    const receiver: { buffered: number; waiting: number; blocked: number }[] = [];
    ssc.addStreamingListener({
      onBatchSubmitted: ({ batchInfo }) => {
        const r = batchInfo.streamIdToInputInfo[lines.inputId]!.receiver!;
        receiver.push({ buffered: r.numBuffered, waiting: r.numWaiting, blocked: r.blockedTime });
      },
    });
    let failure: unknown;
    ssc.awaitTermination().catch((e: unknown) => (failure = e));
    ssc.start();
    await until(() => numbers.length >= 5000 || failure !== undefined, '5,000 lines');
    expect(failure).toBeUndefined();
    expect(numbers).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(Math.max(...receiver.map((r) => r.buffered))).toBeLessThanOrEqual(1000);
    expect(receiver.some((r) => r.blocked > 0)).toBe(true);
  });

  test('checks its arguments when defined', () => {
    ssc = new StreamingContext({ batchInterval: 100 });
    expect(() => ssc!.socketTextStream('', 9999)).toThrow(/host must be a non-empty string/);
    expect(() => ssc!.socketTextStream('localhost', 70000)).toThrow(/port must be an integer from 1 to 65535, got 70000/);
    expect(() => ssc!.socketTextStream('localhost', 9999, { encoding: 'utf-9' })).toThrow(/unknown encoding "utf-9"/);
    expect(() => ssc!.socketTextStream('localhost', 9999, { restartDelayMs: -1 })).toThrow(/restartDelayMs must be a non-negative number/);
  });
});
