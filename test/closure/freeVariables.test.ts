/**
 * The shipping check's free-variable reader (engine/closure/freeVariables.ts) against acorn +
 * periscopic, the full parser and scope analyser it replaced (both kept as devDependencies for
 * this): the same free variables for tricky hand-written functions, for every
 * function in the engine, the tests, the docs' examples and a few libraries' sources, and for
 * generated ones.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'acorn';
import { analyze } from 'periscopic';
import type { Node } from 'estree';
import { transformSync } from 'esbuild';
import { describe, expect, test } from 'vitest';
import { freeVariables } from '../../engine/closure/freeVariables.ts';
import { docBlocks } from '../docs/blocks.ts';
import { generatedFunctions } from './generatedFunctions.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * periscopic's globals for a function expression's source, sorted; undefined when acorn cannot
 * parse it or periscopic is known to be wrong about it (tested on their own below): a named class
 * expression, whose name it reports as global; new.target, whose `new` it reports; and a switch
 * whose discriminant reads a name its cases declare, which it resolves to that declaration.
 */
function reference(source: string, skipKnownWrong = true): string[] | undefined {
  let ast: Node;
  try {
    ast = parse(`(${source})`, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as Node;
  } catch {
    return undefined;
  }
  let wrong = false;
  walk(ast, (n) => {
    if ((n.type === 'ClassExpression' && n.id) || n.type === 'MetaProperty') wrong = true;
    if (n.type === 'SwitchStatement') {
      const declared = new Set<string>();
      for (const c of n.cases) for (const d of c.consequent) walk(d.declarations ?? d.id ?? [], (m) => m.type === 'Identifier' && declared.add(m.name));
      walk(n.discriminant, (m) => void (wrong ||= m.type === 'Identifier' && declared.has(m.name)));
    }
  });
  return wrong && skipKnownWrong ? undefined : [...analyze(ast).globals.keys()].sort();
}

describe('hand-written functions: the free variables, as periscopic finds them', () => {
  test.each([
    // [function source, its free variables]
    ['(w) => !stop.has(w)', ['stop']],
    ['x => x / 2 / y', ['y']],
    ['x => /a+b/g.test(x) ? y : x / z', ['z', 'y']],
    ['(a, b = a + c, ...rest) => [a, b, rest]', ['c']],
    ['({ a, b: [c, d = e], ...f }, [g, , h = i]) => a + c + d + f + g + h', ['i', 'e']],
    ['function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }', []],
    ['function () { return arguments.length + this.x }', ['arguments']],
    ['x => { var v = 1; { let l = 2; const c = 3 } return v + l + c }', ['c', 'l']],
    ['x => { if (x) { var hoisted = 1 } return hoisted }', []],
    ['x => { if (x) { function inner() {} } return inner }', ['inner']],
    ['x => { function later() { return y } return later() }', ['y']],
    ['x => { class K extends Base { m() { return K } } return new K() }', ['Base']],
    ['x => { try { f() } catch ({ message }) { return message + e } finally { g() } }', ['g', 'e', 'f']],
    ['x => { try { f() } catch { return err } }', ['err', 'f']],
    ['x => { outer: for (const a of x) { inner: for (;;) { if (a) continue outer; break inner } } }', []],
    ['x => { for (let i = 0, n = x.length; i < n; i++) s += x[i]; return i }', ['i', 's']],
    ['x => { for (k in x) use(k) }', ['use', 'k']],
    ['x => { for (const [k, v] of x) m.set(k, v); return k }', ['k', 'm']],
    ['x => { switch (x) { case a: let y = 1; return y; default: return b } }', ['b', 'a']],
    ['x => ({ a, b: c, [d]: e, f() { return g }, get h() { return i }, set j(v) { k = v }, async *l() { yield m }, ...n })', ['n', 'm', 'k', 'i', 'g', 'e', 'd', 'c', 'a']],
    ['x => ({ get, set, async, static: s, of })', ['of', 's', 'async', 'set', 'get']],
    ['x => x.a.b?.c?.[d]?.(e).f', ['e', 'd']],
    ['x => x.if + x.class + x.new', []],
    ['x => `a${b}c${`d${e}f`}` + tag`t${u}`', ['u', 'tag', 'e', 'b']],
    ['x => typeof y === "undefined" && typeof x', ['y']],
    ['x => { "use strict"; return void z, delete x.y, y => y + w }', ['w', 'z']],
    ['async function (x) { for await (const c of x) await d(c) }', ['d']],
    ['function* (x) { yield; yield* g(); const y = yield x; return y }', ['g']],
    ['async x => await y', ['y']],
    ['function () { var yield = 1; return yield + await }', ['await']],
    ['async function* () { const f = () => await; yield await g(); return { async *m() { yield await h } } }', ['h', 'g', 'await']],
    ['async (a, { b }) => a + b + c', ['c']],
    ['async => async + 1', []],
    ['x => async(x)', ['async']],
    ['x => { const a = 1\n b()\n let c = a\n return c }', ['b']],
    ['x => { let a = x\n ++a\n return a }', []],
    ['x => { return\n y }', ['y']],
    ['x => { do x++; while (x < max) }', ['max']],
    ['x => { with (obj) { return q } }', ['q', 'obj']],
    ['x => [...x, ...y]', ['y']],
    ['x => new Map(x).get(k)', ['k', 'Map']],
    ['x => a ? b : c ? d : e', ['e', 'd', 'c', 'b', 'a']],
    ['x => { const { a = b } = x, [c = d] = x; return a + c }', ['d', 'b']],
    ['x => { [a, b] = [b, a]; ({ c, d: e } = x) }', ['e', 'c', 'a', 'b']],
    ['x => { class C { static s = t; #p = q; static { let z = y } m() { return #p in this } get g() { return h } } }', ['h', 'y', 'q', 't']],
    ['x => { class C { static x; get; set = 1; async; static async *gen() { yield r } } }', ['r']],
    ['x => { let a = 1; { let a = 2 } return a }', []],
    ['function f(a = () => b) { var b; return a() }', []],
    ['x => { debugger; label: { break label } }', []],
    ['x => 0x1f + 1_000n + .5 + 1e3 + "s" + \'t\' + x', []],
    ['x => { /* a comment with y */ return x // and z\n }', []],
    ['x => x\n/ y / 2', ['y']],
    ['x => { if (x) a(); else if (y) b(); else { c() } }', ['c', 'b', 'y', 'a']],
    ['x => x?.y ?? (z ||= w)', ['w', 'z']],
    ['x => { import("m"); return import.meta ? 1 : 2 }', null],
  ] as [string, string[] | null][])('%s → %j', (source, expected) => {
    expect(freeVariables(source).sort()).toEqual((expected ?? []).sort());
    // null marks a function acorn rejects (import.meta outside a module); the others agree with periscopic.
    if (expected) expect(reference(source)).toEqual(expected.sort());
  });

  test.each([
    // periscopic reports a class expression's own name and the `new` of new.target as globals;
    // both are declared (or not names at all) and are not free.
    ['x => { const K = class Named { m() { return Named } }; return new K() }', [], ['Named']],
    ['function () { return new.target ? n : 0 }', ['n'], ['n', 'new']],
    // The discriminant is evaluated outside the cases' block; periscopic resolves it inside.
    ['x => { switch (k) { case 1: let k = 2 } }', ['k'], []],
  ] as [string, string[], string[]][])('where periscopic is wrong: %s → %j', (source, expected, periscopic) => {
    expect(freeVariables(source).sort()).toEqual(expected);
    expect(reference(source, false)).toEqual(periscopic);
  });

  test.each([
    // Where a guess from the token before a `/` is wrong and the reader has it scanned again.
    ['x => function () {} / y / 2', ['y']],
    ['x => (class {} / y / 2)', ['y']],
    ['x => { for (const m of /a/g.exec(x)) m }', []],
    ['x => { if (x) /re/.test(y) }', ['y']],
    ['x => { while (x) /re/g.exec(y) }', ['y']],
    ['x => { x++ / y / 2 }', ['y']],
    ['x => { {} /re/.test(y) }', ['y']],
    ['x => ({}) / y / z', ['z', 'y']],
    ['x => `${{}}` / y / 2', ['y']],
    ['x => `${/[}`]/.test(y)}` + `${x / y / z}`', ['z', 'y']],
    [String.raw`x => a\u0062c + \u{61} + \u{00062}d`, ['abc', 'a', 'bd']],
    ['x => x.#p ?? #p in y', ['y']],
    [String.raw`x => "/* y */" + '// z' + "\\" + '\'' + w`, ['w']],
    [String.raw`x => /\/\*[^]*?\*\//.test(y) + /[/]/.source + /\//g`, ['y']],
    ['x => `a${`b${{ c }.c}`}d /* ${e} */` + f', ['f', 'e', 'c']],
    ['x => "line \\\ncontinued" + g', ['g']],
  ] as [string, string[]][])('regular expressions, divisions and names: %s → %j', (source, expected) => {
    expect(freeVariables(source).sort()).toEqual(expected.sort());
    expect(reference(source)).toEqual(source.includes('#p') ? undefined : expected.sort());
  });

  test('a construct it does not read is an error naming the token, not a guess', () => {
    expect(() => freeVariables('x => { @dec class K {} }')).toThrow('unexpected `@`');
    expect(() => freeVariables('x => `${x')).toThrow('unexpected `the end of the function` in a template literal');
    expect(() => freeVariables('x => class { m() {}')).toThrow('expected `}` but found `the end of the function`');
  });
});

// ---- the corpus ----

function walk(node: unknown, visit: (node: Record<string, any>, parent: Record<string, any> | undefined) => void, parent?: Record<string, any>): void {
  if (Array.isArray(node)) for (const n of node) walk(n, visit, parent);
  else if (node && typeof node === 'object' && typeof (node as { type?: unknown }).type === 'string') {
    const n = node as Record<string, any>;
    visit(n, parent);
    for (const key of Object.keys(n)) if (key !== 'loc') walk(n[key], visit, n);
  }
}

/** Each function in a JavaScript module as the source text a shipped function would have. */
function functionsIn(code: string): string[] {
  let ast;
  try {
    ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch {
    return [];
  }
  const out: string[] = [];
  walk(ast, (n, parent) => {
    if (n.type !== 'FunctionExpression' && n.type !== 'FunctionDeclaration' && n.type !== 'ArrowFunctionExpression') return;
    if (parent && (parent.type === 'MethodDefinition' || (parent.type === 'Property' && (parent.method || parent.kind !== 'init')))) {
      // A method's function starts at its parameters; as ship() reads `m(x) {…}`: `function (x) {…}`.
      out.push(`${n.async ? 'async ' : ''}function${n.generator ? '*' : ''} ${code.slice(n.start, n.end)}`);
    } else out.push(code.slice(n.start, n.end));
  });
  return out;
}

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && ext.test(d.name) && !d.parentPath.includes('.generated') && !d.parentPath.includes('fixtures'))
    .map((d) => path.join(d.parentPath, d.name));
}

const ts = (code: string) => transformSync(code, { loader: 'ts', target: 'esnext', keepNames: true }).code;

function corpus(): Map<string, string[]> {
  const sources = new Map<string, string[]>();
  const add = (name: string, code: string) => sources.set(name, functionsIn(code));
  for (const file of [...filesUnder(path.join(root, 'engine'), /\.ts$/), ...filesUnder(path.join(root, 'test'), /\.ts$/)]) {
    add(path.relative(root, file), ts(readFileSync(file, 'utf8')));
  }
  // The runnable examples of the docs pages; docs/api's are fragments from doc comments (not programs).
  for (const b of docBlocks(root).filter((b) => !b.doc.startsWith('docs/api/'))) add(`${b.doc} block ${b.index}`, ts(b.code));
  for (const lib of ['acorn/dist/acorn.mjs', 'periscopic/src/index.js', 'comlink/dist/esm/comlink.mjs', 'idb/build/index.js']) {
    add(lib, readFileSync(path.join(root, 'node_modules', lib), 'utf8'));
  }
  for (const dir of ['rxjs/dist/esm/internal', 'rxjs/dist/esm5/internal']) {
    for (const file of filesUnder(path.join(root, 'node_modules', dir), /\.js$/)) add(path.relative(path.join(root, 'node_modules'), file), readFileSync(file, 'utf8'));
  }
  return sources;
}

/** Whether the JavaScript engine parses `source` as an expression (acorn accepts a few sources it does not). */
function parsesInV8(source: string): boolean {
  try {
    new Function(`return (${source})`);
    return true;
  } catch {
    return false;
  }
}

function compare(sources: Iterable<string>) {
  const mismatches: { source: string; mine: string[] | string; periscopic: string[] }[] = [];
  let compared = 0;
  for (const source of sources) {
    const expected = reference(source);
    if (!expected || !parsesInV8(source)) continue;
    compared++;
    let mine: string[] | string;
    try {
      mine = freeVariables(source).sort();
    } catch (e) {
      mine = `threw ${(e as Error).message}`;
    }
    if (JSON.stringify(mine) !== JSON.stringify(expected)) mismatches.push({ source: source.slice(0, 300), mine, periscopic: expected });
  }
  return { compared, mismatches };
}

describe('the same free variables as acorn + periscopic', () => {
  test('for every function in the engine, the tests, the docs and the sources of acorn, rxjs, comlink, idb', () => {
    const sources = corpus();
    const all = [...sources.values()].flat();
    const { compared, mismatches } = compare(all);
    console.log(`free variables: ${compared} functions from ${sources.size} files compared with periscopic`);
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(compared).toBeGreaterThan(5000);
  });

  test('for generated functions', () => {
    const sources = generatedFunctions(3000, 1);
    const { compared, mismatches } = compare(sources);
    console.log(`free variables: ${compared} of ${sources.length} generated functions valid and compared with periscopic`);
    expect(mismatches.slice(0, 10)).toEqual([]);
    // The generator may repeat a let in one scope, which is a syntax error; most are valid.
    expect(compared).toBeGreaterThan(sources.length / 2);
  });
});
