/**
 * The application that test/checkpoint/processes/*.test.ts runs as real processes, several on one
 * checkpoint directory. Two main scripts call it, sums.ts and labels.ts: the same graph shape
 * (queueStream → map → updateStateByKey → foreachRDD), different applications — one sums each
 * key's values, the other concatenates them into a label — so only their identity (their main
 * module, or appName) tells their checkpoints apart.
 *
 *   tsx test/checkpoint/processes/sums.ts --checkpoint DIR [--app NAME] [--allow-other-application true] [--interval 50]
 *
 * On the wall clock; batch k's input is `[['k', 1]]` (a queue refilled from the start on every
 * run: the checkpoint says how much was consumed). Lines on stdout:
 *   ready pid=<pid> zeroTime=<ms>          getOrCreate resolved and start() returned
 *   batch <time> <state as JSON>           a batch's output: every key's state
 *   warning <message>                      from getOrCreate's onWarning
 *   error <name> <message>                 getOrCreate or the context failed; exits 1
 *   stopped                                after `stop` on stdin: ssc.stop() resolved; exits 0
 * Commands on stdin, one a line: `stop` (ssc.stop(), then exit 0), `exit` (process.exit(0)
 * without stop(): the lock goes with the process). When stdin closes (the test ended), it exits too.
 */
import * as readline from 'node:readline';
import { StreamingContext } from '../../../engine/index.ts';

export function run(combine: (values: number[], state: unknown) => unknown): void {
  const args = new Map<string, string>();
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i]!.replace(/^--/, ''), argv[i + 1]!);
  const dir = args.get('checkpoint');
  if (!dir) throw new Error('--checkpoint DIR is required');
  const interval = Number(args.get('interval') ?? 50);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const fail = (e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    say(`error ${error.name} ${error.message.replace(/\n/g, ' ')}`);
    process.exit(1);
  };
  const createContext = () => {
    const ssc = new StreamingContext({ batchInterval: interval, ...(args.has('app') ? { appName: args.get('app')! } : {}) });
    ssc.checkpoint(dir);
    ssc
      .queueStream(Array.from({ length: 100_000 }, () => [['k', 1] as [string, number]]))
      .name('input')
      .updateStateByKey(combine)
      .name('state')
      .checkpoint(interval)
      .foreachRDD(async (rdd, time) => void say(`batch ${time} ${JSON.stringify(await rdd.collect())}`));
    return ssc;
  };

  StreamingContext.getOrCreate(dir, createContext, {
    onWarning: (message) => say(`warning ${message.replace(/\n/g, ' ')}`),
    allowOtherApplication: args.get('allow-other-application') === 'true',
  }).then((ssc) => {
    ssc.start();
    say(`ready pid=${process.pid} zeroTime=${ssc.zeroTime}`);
    ssc.awaitTermination().catch(fail);
    readline
      .createInterface({ input: process.stdin })
      .on('line', (line) => {
        if (line === 'stop') {
          void ssc.stop().then(() => {
            say('stopped');
            process.exit(0);
          }, fail);
        }
        if (line === 'exit') process.exit(0);
      })
      .on('close', () => process.exit(0));
  }, fail);
}
