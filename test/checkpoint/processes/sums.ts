/** An application that sums each key's values (see run.ts). */
import { run } from './run.ts';

run((values, sum) => values.reduce((a, b) => a + b, (sum as number | undefined) ?? 0));
