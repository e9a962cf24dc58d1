/**
 * What the user's code can import, and how a compiled pipeline (compile.ts) is evaluated: shared
 * by the pipeline worker (the driver) and the executor workers, which evaluate the same code.
 */
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as library from 'rivulet/playground';

export type RequireModule = (name: string) => unknown;

/**
 * Entries loaded only for a pipeline that imports them: a connector brings its client (MQTT.js is
 * larger than the engine), which a pipeline without it should not wait for.
 */
const ON_DEMAND: Record<string, () => Promise<unknown>> = {
  'rivulet/mqtt': () => import('./connectors/mqtt.ts'),
};

/** The modules a compiled pipeline imports (compile.ts writes each import as `__require("name")`). */
function importsOf(compiled: string): string[] {
  return [...compiled.matchAll(/__require\("((?:[^"\\]|\\.)*)"\)/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
}

/**
 * `import … from 'rivulet'` gives `rivulet` (the engine as this worker wraps it); also
 * `rivulet/playground`, RxJS, and the connectors of ON_DEMAND, loaded first when `compiled` imports them.
 */
export async function moduleResolver(rivulet: object, compiled: string): Promise<RequireModule> {
  const modules: Record<string, unknown> = {
    rivulet,
    'rivulet/playground': library,
    rxjs,
    'rxjs/operators': rxjsOperators,
  };
  for (const name of new Set(importsOf(compiled))) if (ON_DEMAND[name]) modules[name] = await ON_DEMAND[name]();
  const available = [...Object.keys(modules), ...Object.keys(ON_DEMAND).filter((k) => !(k in modules))];
  return (name) => {
    const m = modules[name];
    if (!m) throw new Error(`Cannot import '${name}' in the playground: only ${available.map((k) => `'${k}'`).join(', ')} are available.`);
    return m;
  };
}

/** The compiled script (compilePipeline's output) as the function that runs the user's code. */
export function evaluatePipeline(compiled: string): (require: RequireModule) => Promise<void> {
  return (0, eval)(compiled);
}
