import { describe, expect, test } from 'vitest';
import { Subject } from 'rxjs';
import { StateSpec, StreamingContext, stableIds, type DStream } from '../../engine/index.ts';

// The rule that names inputs and stateful operators in checkpoints (engine/streaming/stableIds.ts).

const sum = (values: number[], state: number | undefined) => values.reduce((a, b) => a + b, state ?? 0);
const pairs = (s: DStream<string>) => s.map((w) => [w, 1] as [string, number]);

/** The ids of a graph, as `{ inputs: [...], operators: [...] }` in definition order. */
function idsOf(define: (ssc: StreamingContext) => void): { inputs: string[]; operators: string[] } {
  const ssc = new StreamingContext({ batchInterval: 1000 });
  define(ssc);
  const ids = stableIds(ssc.graph);
  return { inputs: [...ids.inputs.values()], operators: [...ids.operators.values()] };
}

describe('derived ids', () => {
  test('inputs: <operation>#<n> per operation, in definition order; stateful operators: <upstream>/<operation>#<n>', () => {
    const ids = idsOf((ssc) => {
      const a = ssc.queueStream<string>([]);
      const o = ssc.fromObservable(new Subject<string>());
      const b = ssc.queueStream<string>([]);
      pairs(a).updateStateByKey(sum).foreachRDD(() => {});
      pairs(a).updateStateByKey(sum).foreachRDD(() => {});
      pairs(b).updateStateByKey(sum).foreachRDD(() => {});
      pairs(o).mapWithState(StateSpec.function((_k: string, v: number | undefined) => v)).foreachRDD(() => {});
      pairs(a).reduceByKeyAndWindow((x, y) => x + y, (x, y) => x - y, 3000).foreachRDD(() => {});
    });
    expect(ids).toEqual({
      inputs: ['queueStream#0', 'fromObservable#0', 'queueStream#1'],
      operators: [
        'queueStream#0/updateStateByKey#0',
        'queueStream#0/updateStateByKey#1',
        'queueStream#1/updateStateByKey#0',
        'fromObservable#0/mapWithState#0',
        'queueStream#0/reduceByKeyAndWindow#0',
      ],
    });
  });

  test('a stateful operator downstream of another is named after it; one reading several upstreams after all of them', () => {
    const ids = idsOf((ssc) => {
      const clicks = ssc.queueStream<string>([]).name('clicks');
      const views = ssc.queueStream<string>([]).name('views');
      const totals = pairs(clicks).updateStateByKey(sum);
      totals.reduceByKeyAndWindow((x, y) => x + y, (x, y) => x - y, 3000).foreachRDD(() => {});
      pairs(views).union(pairs(clicks)).updateStateByKey(sum).foreachRDD(() => {});
      pairs(views).join(pairs(clicks)).mapValues(([x, y]) => x + y).updateStateByKey(sum).foreachRDD(() => {});
      // countByWindow, countByValueAndWindow and reduceByWindow are reduceByKeyAndWindow inside.
      views.countByWindow(2000).foreachRDD(() => {});
      views.countByValueAndWindow(2000).foreachRDD(() => {});
    });
    expect(ids.operators).toEqual([
      'clicks/updateStateByKey#0',
      'clicks/updateStateByKey#0/reduceByKeyAndWindow#0',
      '(clicks+views)/updateStateByKey#0',
      '(clicks+views)/updateStateByKey#1',
      'views/reduceByKeyAndWindow#0',
      'views/reduceByKeyAndWindow#1',
    ]);
  });

  test('stateless operations are not part of ids: adding, changing or renaming them elsewhere or on the path changes nothing', () => {
    const before = idsOf((ssc) => {
      const words = ssc.queueStream<string>([]);
      pairs(words).updateStateByKey(sum).foreachRDD(() => {});
      pairs(words).mapWithState(StateSpec.function((_k: string, v: number | undefined) => v)).foreachRDD(() => {});
    });
    const after = idsOf((ssc) => {
      const words = ssc.queueStream<string>([]);
      words.filter((w) => w.length > 3).map((w) => w.toUpperCase()).name('shouting').print();
      words.map((w) => w.trim()).filter(Boolean).transform((rdd) => rdd.distinct()).map((w) => [w, 2] as [string, number]).updateStateByKey(sum).foreachRDD(() => {});
      words.window(4000, 1000).map((w) => [w, 1] as [string, number]).mapWithState(StateSpec.function((_k: string, v: number | undefined) => v)).foreachRDD(() => {});
    });
    expect(after).toEqual(before);
  });

  test('only stateful operators some output depends on are counted', () => {
    const ids = idsOf((ssc) => {
      const words = ssc.queueStream<string>([]);
      pairs(words).updateStateByKey(sum); // no output: never runs, not counted
      pairs(words).updateStateByKey(sum).foreachRDD(() => {});
    });
    expect(ids.operators).toEqual(['queueStream#0/updateStateByKey#0']);
  });
});

describe('names', () => {
  test('a name is the id; named operators do not take a position among the unnamed ones', () => {
    const ids = idsOf((ssc) => {
      const words = ssc.queueStream<string>([]).name('words');
      pairs(words).updateStateByKey(sum).name('totals').foreachRDD(() => {});
      pairs(words).updateStateByKey(sum).foreachRDD(() => {});
      pairs(words).mapWithState(StateSpec.function((_k: string, v: number | undefined) => v)).name('sessions').foreachRDD(() => {});
      words.countByWindow(2000).name('recent').foreachRDD(() => {});
    });
    expect(ids).toEqual({ inputs: ['words'], operators: ['totals', 'words/updateStateByKey#0', 'sessions', 'recent'] });
  });

  test('two inputs or two stateful operators with the same id: an error naming both', () => {
    expect(() =>
      idsOf((ssc) => {
        const words = ssc.queueStream<string>([]);
        pairs(words).updateStateByKey(sum).name('state').foreachRDD(() => {});
        pairs(words).mapWithState(StateSpec.function((_k: string, v: number | undefined) => v)).name('state').foreachRDD(() => {});
      }),
    ).toThrow(/^Two stateful operators have the same checkpoint id "state": updateStateByKey at .*stableIds\.test\.ts:\d+:\d+ and mapWithState at .*stableIds\.test\.ts:\d+:\d+\. Checkpoints tell them apart by id: give each its own name with \.name\('\.\.\.'\)\.$/);
    expect(() => idsOf((ssc) => void [ssc.queueStream([]).name('in'), ssc.fromObservable(new Subject()).name('in')])).toThrow(/^Two input streams have the same checkpoint id "in"/);
  });

  test('start() refuses duplicate ids when checkpointing', () => {
    const ssc = new StreamingContext({ batchInterval: 1000 });
    ssc.checkpoint('unused-directory');
    ssc.queueStream([]).name('in').foreachRDD(() => {});
    ssc.queueStream([]).name('in').foreachRDD(() => {});
    expect(() => ssc.start()).toThrow(/Two input streams have the same checkpoint id "in"/);
    expect(ssc.state).toBe('stopped'); // as Spark marks a context whose start failed
  });
});
