/**
 * What the user's code can import, and how a compiled pipeline (compile.ts) is evaluated: shared
 * by the pipeline worker (the driver) and the executor workers, which evaluate the same code.
 */
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as library from './library.ts';

export type RequireModule = (name: string) => unknown;

/** `import … from 'rivulet'` gives `rivulet` (the engine as this worker wraps it); also `rivulet/playground` and RxJS. */
export function moduleResolver(rivulet: object): RequireModule {
  const modules: Record<string, unknown> = {
    rivulet,
    'rivulet/playground': library,
    rxjs,
    'rxjs/operators': rxjsOperators,
  };
  return (name) => {
    const m = modules[name];
    if (!m)
      throw new Error(
        `Cannot import '${name}' in the playground: only ${Object.keys(modules)
          .map((k) => `'${k}'`)
          .join(', ')} are available.`,
      );
    return m;
  };
}

/** The compiled script (compilePipeline's output) as the function that runs the user's code. */
export function evaluatePipeline(compiled: string): (require: RequireModule) => Promise<void> {
  return (0, eval)(compiled);
}
