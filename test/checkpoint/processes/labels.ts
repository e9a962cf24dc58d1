/** Another application with the same graph shape as sums.ts: it concatenates each key's values into a label (see run.ts). */
import { run } from './run.ts';

run((values, label) => values.reduce<string>((text, v) => text + String(v), (label as string | undefined) ?? ''));
