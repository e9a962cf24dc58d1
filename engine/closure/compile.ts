import { TRANSPILER_HELPERS } from './globals.ts';
import { sourceURL } from './attribution.ts';
import type { ShippedFunction } from './ship.ts';

/**
 * Shipped source back to a function. A module of its own, apart from the definition-time check in
 * ship.ts, because the task worker needs this and not the check.
 */
export function isShipped(x: unknown): x is ShippedFunction<any> {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'shipped';
}

/** Evaluate a shipped function's source with its captures in scope. Used by local mode and workers alike. */
export function compiled<F extends (...args: any[]) => any>(shipped: Pick<ShippedFunction<F>, 'source' | 'captures' | 'operation' | 'callSite'>): F {
  const names = Object.keys(shipped.captures);
  const values = names.map((n) => {
    const v = shipped.captures[n];
    return isShipped(v) ? v.call : v;
  });
  const helpers = Object.keys(TRANSPILER_HELPERS).filter((h) => !names.includes(h));
  const params = [...helpers, ...names];
  const url = sourceURL(shipped.operation, shipped.callSite);
  const cacheKey = params.join(',') + '\u0000' + url + '\u0000' + shipped.source;
  let factory = factoryCache.get(cacheKey);
  if (!factory) {
    factory = new Function(...params, `"use strict";\nreturn (${shipped.source});\n//# sourceURL=${url}`) as (...args: unknown[]) => unknown;
    if (factoryCache.size > 1000) factoryCache.clear();
    factoryCache.set(cacheKey, factory);
  }
  return factory(...helpers.map((h) => TRANSPILER_HELPERS[h]), ...values) as F;
}

/** Compiled factories per (capture names, source): evaluating source text is the costly part. */
const factoryCache = new Map<string, (...args: unknown[]) => unknown>();
