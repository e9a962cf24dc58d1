import { expect, test } from 'vitest';
import { describeCheckpoint, summarizeCheckpoint } from '../../engine/checkpoint/inspect.ts';
import type { Checkpoint } from '../../engine/checkpoint/CheckpointStore.ts';

const checkpoint: Checkpoint = {
  time: 12_000,
  createdAt: Date.UTC(2024, 4, 1, 10),
  metadata: { batchInterval: 1000, graph: {}, pendingBatches: [] },
  data: {
    wordCounts: Array.from({ length: 1200 }, (_, i) => [`w${i}`, i]),
    sessions: new Map([['u', 1]]),
    threshold: 0.5,
  },
};

test('summarizeCheckpoint: time, metadata fields, and each operator with its key count', () => {
  expect(summarizeCheckpoint(checkpoint)).toEqual({
    time: 12_000,
    createdAt: Date.UTC(2024, 4, 1, 10),
    metadataKeys: ['batchInterval', 'graph', 'pendingBatches'],
    operators: [
      { id: 'wordCounts', keys: 1200, kind: 'pairs' },
      { id: 'sessions', keys: 1, kind: 'Map' },
      { id: 'threshold', keys: undefined, kind: 'number' },
    ],
    totalKeys: 1201,
  });
});

test('describeCheckpoint: a few aligned lines for people', () => {
  expect(describeCheckpoint(checkpoint)).toBe(
    [
      'Checkpoint at batch time 12000 ms (created 2024-05-01T10:00:00.000Z)',
      'metadata: batchInterval, graph, pendingBatches',
      'state: 3 operators, 1,201 keys',
      '  wordCounts  1,200 keys',
      '  sessions        1 key (Map)',
      '  threshold   (number, not keyed)',
    ].join('\n'),
  );
});

test('describeCheckpoint of an empty checkpoint', () => {
  expect(describeCheckpoint({ time: 0, metadata: {}, data: {} })).toBe('Checkpoint at batch time 0 ms\nmetadata: (none)\nstate: 0 operators, 0 keys');
});

test('a window with an inverse function counts the keys of its window', () => {
  const window: Checkpoint = {
    time: 6000,
    metadata: {},
    data: { recent: { window: [['a', 2], ['b', 1]], batches: [[5000, [['a', 1]]], [6000, [['a', 1], ['b', 1]]]] } },
  };
  expect(summarizeCheckpoint(window).operators).toEqual([{ id: 'recent', keys: 2, kind: 'window' }]);
  expect(describeCheckpoint(window)).toBe('Checkpoint at batch time 6000 ms\nmetadata: (none)\nstate: 1 operator, 2 keys\n  recent  2 keys (window)');
});
