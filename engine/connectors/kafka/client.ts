import type * as Kafka from '@platformatic/kafka';

let loading: Promise<typeof Kafka> | undefined;

/**
 * The Kafka client module, loaded on first use: importing the engine does not load it (a bundle
 * of a pipeline that reads no Kafka need not carry it, nor its WebAssembly file). The specifier is
 * computed so that bundlers leave the import to run time.
 */
export function kafkaClient(): Promise<typeof Kafka> {
  const specifier = '@platformatic/kafka';
  return (loading ??= import(/* @vite-ignore */ specifier) as Promise<typeof Kafka>);
}
