/**
 * Random functions for the free-variable comparison (freeVariables.test.ts): nested functions,
 * blocks, patterns and declarations of every kind over a handful of names, so that shadowing,
 * hoisting and references before declarations come up often. Deterministic for a seed.
 */
export function generatedFunctions(count: number, seed: number): string[] {
  let state = seed >>> 0;
  const random = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const some = (f: () => string, max: number, sep: string): string => Array.from({ length: Math.floor(random() * (max + 1)) }, f).join(sep);
  const names = ['a', 'b', 'c', 'x', 'y', 'get', 'of', 'async'] as const;
  const name = () => pick(names.slice(0, 5));
  const anyName = () => pick(names);

  /** A binding pattern; `bound` keeps the names of one parameter list or declaration distinct (a clash is a syntax error). */
  function binding(depth: number, bound = new Set<string>()): string {
    const fresh = () => {
      const free = names.slice(0, 5).filter((n) => !bound.has(n));
      const n = free.length > 0 ? pick(free) : `v${bound.size}`;
      bound.add(n);
      return n;
    };
    if (depth <= 0 || random() < 0.5) return fresh();
    return pick([
      () => `[${fresh()}, , ${binding(depth - 1, bound)} = ${expr(depth - 1)}]`,
      () => `{ ${fresh()}, k: ${binding(depth - 1, bound)}, ${fresh()} = ${expr(depth - 1)}, ...${fresh()} }`,
      () => `[...${fresh()}]`,
    ])();
  }
  function params(depth: number): string {
    const bound = new Set<string>();
    return some(() => binding(depth, bound) + (random() < 0.2 ? ` = ${expr(depth - 1)}` : ''), 3, ', ');
  }

  function fn(depth: number): string {
    const body = () => `{\n${some(() => statement(depth - 1), 3, '\n')}\n}`;
    return pick([
      () => `${name()} => ${expr(depth - 1)}`,
      () => `(${params(depth)}) => ${random() < 0.5 ? body() : `(${expr(depth - 1)})`}`,
      () => `async (${params(depth)}) => ${body()}`,
      () => `function ${random() < 0.5 ? name() : ''}(${params(depth)}) ${body()}`,
      () => `function* (${params(depth)}) {\nyield ${expr(depth - 1)}\n${statement(depth - 1)}\n}`,
    ])();
  }

  function expr(depth: number): string {
    if (depth <= 0) return pick([anyName, () => '0.5', () => '"s"', () => 'this'])();
    const e = () => expr(depth - 1);
    return pick([
      anyName,
      () => `${e()}.${anyName()}`,
      () => `${e()}?.[${e()}]`,
      () => `${e()} + ${e()}`,
      () => `${e()} / ${e()} / 2`,
      () => `/[a-z]+/g.test(${e()})`,
      () => `(${e()} ? ${e()} : ${e()})`,
      () => `(${name()} = ${e()})`,
      () => `${name()}(${e()}, ...${e()})`,
      () => `new ${name()}(${e()})`,
      () => `\`t\${${e()}}t\${${e()}}\``,
      () => `({ ${anyName()}, ${anyName()}: ${e()}, [${e()}]: ${e()}, ${anyName()}(${params(depth - 1)}) { return ${e()} }, get ${anyName()}() { return ${e()} }, ...${e()} })`,
      () => `[${e()}, , ...${e()}]`,
      () => `typeof ${name()}`,
      () => `(${fn(depth)})`,
      () => `class ${random() < 0.5 ? '' : 'extends ' + name()} { ${anyName()} = ${e()}; static ${anyName()}(${params(depth - 1)}) { return ${e()} } }`,
    ])();
  }

  function statement(depth: number): string {
    const e = () => expr(depth - 1);
    // Wrapped in a block: a declaration cannot be the body of an if or a loop.
    const s = () => `{ ${depth <= 0 ? `${e()};` : statement(depth - 1)} }`;
    return pick([
      () => `${pick(['let', 'const', 'var'])} ${binding(depth)} = ${e()}`,
      () => `${e()};`,
      () => `if (${e()}) ${s()} else { ${s()} }`,
      () => `for (${pick(['let', 'const', 'var'])} ${binding(depth)} of ${e()}) { ${s()} }`,
      () => `for (var ${name()} = 0; ${name()} < ${e()}; ${name()}++) ${s()}`,
      () => `{\n${s()}\n${s()}\n}`,
      () => `try { ${s()} } catch (${binding(depth)}) { ${s()} } finally { ${s()} }`,
      () => `function ${name()}(${params(depth)}) { ${s()} }`,
      () => `class ${name()} { m(${params(depth)}) { ${s()} } }`,
      () => `return ${e()}`,
      () => `${name()}: for (;;) { if (${e()}) break ${'$1'}; ${s()} }`.replace('$1', ''),
      () => `switch (${e()}) { case ${e()}: ${s()}\n default: ${s()} }`,
      () => `do ${s()} while (${e()})`,
    ])();
  }

  return Array.from({ length: count }, () => fn(4));
}
