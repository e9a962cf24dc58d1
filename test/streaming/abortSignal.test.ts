import { describe, expect, test } from 'vitest';
import { createTestContext, collectBatches, expectBatches } from '../support/TestSuiteBase.ts';

// AbortSignal, the way fetch() and Node's servers take one: the context's `signal` option stops
// the context; awaitTermination({ signal }) only stops waiting.

describe('StreamingContext({ signal })', () => {
  test('aborting stops the context as stop() does: batches until then, awaitTermination resolves', async () => {
    const controller = new AbortController();
    const { ssc, clock } = createTestContext({ signal: controller.signal });
    const { output } = collectBatches(ssc.queueStream([[1], [2], [3]]));
    const terminated = ssc.awaitTermination();
    ssc.start();
    await clock.advance(2000);
    controller.abort();
    await terminated;
    expect(ssc.state).toBe('stopped');
    await clock.advance(2000);
    expectBatches(output, [[1], [2]]);
  });

  test('with a signal already aborted, start() stops the context instead: no batch runs; starting again says why', async () => {
    const { ssc, clock } = createTestContext({ signal: AbortSignal.abort() });
    const { output } = collectBatches(ssc.queueStream([[1]]));
    ssc.start();
    expect(ssc.state).toBe('stopped');
    await expect(ssc.awaitTermination()).resolves.toBeUndefined();
    await clock.advance(2000);
    expect(output).toEqual([]);
    expect(() => ssc.start()).toThrow(/has been stopped \(its signal was aborted\)/);
  });

  test('the abort listener is removed when the context stops, so a long-lived signal keeps nothing', async () => {
    const controller = new AbortController();
    const added: unknown[] = [];
    const removed: unknown[] = [];
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, l: EventListener, o?: AddEventListenerOptions) => (added.push(l), add(type, l, o))) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, l: EventListener, o?: EventListenerOptions) => (removed.push(l), remove(type, l, o))) as typeof signal.removeEventListener;
    const { ssc, clock } = createTestContext({ signal });
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    await clock.advance(1000);
    await ssc.stop();
    expect(added).toHaveLength(1);
    expect(removed).toEqual(added);
  });

  test('a signal that is not an AbortSignal is refused where it is given', () => {
    expect(() => createTestContext({ signal: 'stop' as never })).toThrow(/StreamingContext: signal must be an AbortSignal, got a string/);
  });
});

describe('awaitTermination({ signal })', () => {
  test('rejects with the signal\'s reason when aborted; the context goes on running', async () => {
    const { ssc, clock } = createTestContext();
    const { output } = collectBatches(ssc.queueStream([[1], [2]]));
    ssc.start();
    const controller = new AbortController();
    const waiting = ssc.awaitTermination({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(ssc.state).toBe('active');
    await clock.advance(2000);
    await ssc.stop();
    expectBatches(output, [[1], [2]]);
  });

  test('a reason given to abort() is what it rejects with; AbortSignal.timeout() rejects with a TimeoutError', async () => {
    const { ssc } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    const reason = new Error('shutting down');
    const controller = new AbortController();
    const waiting = ssc.awaitTermination({ signal: controller.signal });
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    await expect(ssc.awaitTermination({ signal: AbortSignal.timeout(1) })).rejects.toMatchObject({ name: 'TimeoutError' });
    await ssc.stop();
  });

  test('an already aborted signal rejects at once; one never aborted resolves when the context stops', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {});
    ssc.start();
    await expect(ssc.awaitTermination({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    const waiting = ssc.awaitTermination({ signal: new AbortController().signal });
    await clock.advance(1000);
    await ssc.stop();
    await expect(waiting).resolves.toBeUndefined();
  });

  test('the error that stopped the context wins over a later abort', async () => {
    const { ssc, clock } = createTestContext();
    ssc.queueStream([[1]]).foreachRDD(() => {
      throw new Error('boom');
    });
    const controller = new AbortController();
    const waiting = ssc.awaitTermination({ signal: controller.signal });
    ssc.start();
    await clock.advance(1000);
    await expect(waiting).rejects.toThrow(/boom/);
    controller.abort();
  });
});
