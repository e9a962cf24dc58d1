import { TRANSPILER_HELPERS } from './globals.ts';
import { sourceURL } from './attribution.ts';

/**
 * A function that traveled as its source text (created at batch time, using nothing from its
 * surroundings) back to a function, in a worker. The only place the engine compiles code: a
 * pipeline whose functions are all defined with it never reaches this (strict CSP, no eval).
 */
export function compileSource<F extends (...args: any[]) => any>(source: string, operation: string, callSite: string): F {
  const helpers = Object.keys(TRANSPILER_HELPERS);
  const url = sourceURL(operation, callSite);
  const cacheKey = url + '\u0000' + source;
  let factory = factoryCache.get(cacheKey);
  if (!factory) {
    factory = new Function(...helpers, `"use strict";\nreturn (${source});\n//# sourceURL=${url}`) as (...args: unknown[]) => unknown;
    if (factoryCache.size > 1000) factoryCache.clear();
    factoryCache.set(cacheKey, factory);
  }
  return factory(...helpers.map((h) => TRANSPILER_HELPERS[h])) as F;
}

/** Compiled factories per source: evaluating source text is the costly part. */
const factoryCache = new Map<string, (...args: unknown[]) => unknown>();
