import { InvalidArgumentError } from '../util/errors.ts';
import { tokenize, type Token } from './tokens.ts';

/**
 * The free variables of a function's source: the names it reads or writes that none of its own
 * scopes declares. This is what the shipping check needs, and all it needs, so instead of a full
 * parser (acorn was half of a page bundle) it is a small recursive descent over tokens.ts that
 * tracks scopes and skips everything that is not a name: precedence and most syntax do not
 * matter here. Where it expects an operand it has the tokens scanned again if a `/` was taken for
 * a division, and where it expects an operator, if one was taken for a regular expression.
 *
 * The source must be valid JavaScript (it comes from Function.prototype.toString). A construct
 * this reader does not understand throws an Error naming the token, never a wrong answer.
 * test/closure/freeVariables.test.ts compares it with acorn + periscopic over a large corpus.
 */
export function freeVariables(source: string): string[] {
  const tokens = tokenize(source);
  const end = { type: 'end', value: 'the end of the function', nl: true } as unknown as Token;
  /** Scan again from token k, which starts a regular expression or not. */
  const rescan = (k: number, regex: boolean): void => {
    const t = tokens[k]!;
    tokens.length = k;
    for (const r of tokenize(source, t.start, t.templates, t.nl, regex)) tokens.push(r);
  };

  let i = 0;
  let scope: Scope = { names: new Set(), fn: true, async: false, generator: false };
  const references: [Scope, string][] = [];

  const peek = (k = 0): Token => tokens[i + k] ?? end;
  const next = (): Token => tokens[i++] ?? end;
  const is = (value: string, t = peek()): boolean => t.value === value && (t.type === PUNCT || t.type === NAME);
  const eat = (value: string): boolean => is(value) && !!next();
  const expect = (value: string): void => {
    if (!eat(value)) throw new InvalidArgumentError(`expected \`${value}\` but found \`${peek().value}\` (token ${i})`);
  };
  const enter = (fn: boolean, async = false, generator = false): void => void (scope = { names: new Set(), fn, async, generator, parent: scope });
  const leave = (): void => void (scope = scope.parent!);
  const functionScope = (): Scope => {
    let s = scope;
    while (!s.fn) s = s.parent!;
    return s;
  };
  const until = (close: string, item: () => void): void => {
    while (!eat(close)) {
      if (peek() === end) expect(close);
      item();
      eat(',');
    }
  };

  // ---- bindings ----
  function pattern(into: Scope): void {
    const t = next();
    if (t.type === NAME) into.names.add(t.value);
    else if (is('[', t)) until(']', () => !is(',') && element(into));
    else if (is('{', t)) {
      until('}', () => {
        if (eat('...')) return pattern(into);
        const key = propertyKey();
        if (eat(':')) element(into);
        else {
          into.names.add(key!);
          if (eat('=')) assignment();
        }
      });
    } else throw new InvalidArgumentError(`unexpected \`${t.value}\` in a binding`);
  }
  function element(into: Scope): void {
    eat('...');
    pattern(into);
    if (eat('=')) assignment();
  }
  function declarations(into: Scope): void {
    do {
      pattern(into);
      if (eat('=')) assignment();
    } while (eat(','));
  }

  // ---- functions and classes ----
  /** Parameters and body; the caller has entered the function's scope. */
  function functionRest(): void {
    expect('(');
    until(')', () => element(scope));
    body();
  }
  function body(): void {
    expect('{');
    enter(false);
    while (!eat('}')) statement();
    leave();
  }
  function fn(declaration: boolean, async: boolean): void {
    const generator = eat('*');
    const name = peek().type === NAME ? next().value : undefined;
    if (name && declaration) scope.names.add(name);
    enter(true, async, generator);
    if (name && !declaration) scope.names.add(name);
    functionRest();
    leave();
  }
  function method(async: boolean, generator: boolean): void {
    enter(true, async, generator);
    functionRest();
    leave();
  }
  function arrow(async: boolean, single?: string): void {
    enter(true, async);
    if (single) scope.names.add(single);
    else until(')', () => element(scope));
    expect('=>');
    if (is('{')) body();
    else assignment();
    leave();
  }
  /** Modifiers (`get`, `static`, …), not a member named so, and whether `async` is one of them. */
  function modifiers(names: string[]): boolean {
    let async = false;
    for (let after = peek(1); peek().type === NAME && names.includes(peek().value) && after !== end && !(after.type === PUNCT && /^[(=;,:}]$/.test(after.value)); after = peek(1)) {
      async ||= next().value === 'async';
    }
    return async;
  }
  function propertyKey(): string | undefined {
    const t = next();
    if (!is('[', t)) return t.value;
    expression();
    expect(']');
  }
  function klass(declaration: boolean): void {
    const name = peek().type === NAME && !is('extends') ? next().value : undefined;
    if (name && declaration) scope.names.add(name);
    enter(false);
    if (name) scope.names.add(name);
    if (eat('extends')) unary();
    expect('{');
    while (!eat('}')) {
      if (peek() === end) expect('}');
      if (eat(';')) continue;
      if (is('static') && is('{', peek(1))) {
        next();
        enter(true);
        body();
        leave();
        continue;
      }
      const async = modifiers(['static', 'async', 'get', 'set', 'accessor']);
      const generator = eat('*');
      propertyKey();
      if (is('(')) method(async, generator);
      else if (eat('=')) assignment();
    }
    leave();
  }

  // ---- expressions ----
  function expression(): void {
    do assignment();
    while (eat(','));
  }
  /** An operand and the operators after it; precedence does not matter for scopes. */
  function assignment(): void {
    unary();
    for (;;) {
      if (peek().type === 'regex') rescan(i, false);
      const t = peek();
      if (eat('?')) {
        assignment();
        expect(':');
      } else if ((t.type === PUNCT && !NOT_BINARY.test(t.value)) || is('in') || is('instanceof')) {
        next();
      } else return;
      unary();
    }
  }
  function unary(): void {
    for (;;) {
      const t = peek();
      // `await` and `yield` are operators in async functions and generators, names elsewhere.
      if (t.type === PUNCT ? /^(?:[!~+-]|\+\+|--)$/.test(t.value) : /^(?:typeof|void|delete)$/.test(t.value) && t.type === NAME) next();
      else if ((is('new') && !is('.', peek(1))) || (is('await') && functionScope().async)) next();
      else if (is('yield') && functionScope().generator) {
        next();
        eat('*');
        if (peek().nl || (peek().type === PUNCT && /^[)\]},;:]$/.test(peek().value)) || peek() === end) return;
      } else break;
    }
    primary();
    for (;;) {
      const t = peek();
      if (eat('.') || eat('?.')) {
        if (peek().type === NAME || peek().type === 'private') next();
      } else if (eat('(')) until(')', () => (eat('...'), assignment()));
      else if (eat('[')) {
        expression();
        expect(']');
      } else if (t.type === 'template') next();
      else if (t.type === 'head') template();
      else if ((is('++') || is('--')) && !t.nl) next();
      else return;
    }
  }
  /**
   * After `(` (or `async(`): a parenthesized expression (or a call's arguments) unless `=>` follows
   * the `)`. Read as that first, and read again as an arrow's parameters if `=>` follows or it was
   * no expression (`() =>`, `(...rest) =>`), forgetting the references found (back to `refs`).
   */
  function parenthesizedOrArrow(items: () => void, refs: number, async: boolean): void {
    const start = i;
    const outer = scope;
    try {
      items();
      if (!is('=>')) return;
    } catch {
      // not an expression: parameters
    }
    i = start;
    scope = outer;
    references.length = refs;
    arrow(async);
  }
  function template(): void {
    next();
    for (;;) {
      expression();
      const t = next();
      if (t.type === 'tail') return;
      if (t.type !== 'middle') throw new InvalidArgumentError(`unexpected \`${t.value}\` in a template literal`);
    }
  }
  function primary(): void {
    if (is('/') || is('/=')) rescan(i, true);
    const t = peek();
    if (t.type === 'head') return template();
    next();
    if (t.type === NAME) {
      const v = t.value;
      const after = peek();
      if (v === 'function') fn(false, false);
      else if (v === 'class') klass(false);
      else if (is('=>')) arrow(false, v);
      else if (v === 'async' && !after.nl && is('function')) next(), fn(false, true);
      else if (v === 'async' && !after.nl && after.type === NAME && is('=>', peek(1))) next(), arrow(true, after.value);
      else if (v === 'async' && !after.nl && is('(')) {
        // A call of a function named async, unless `=>` follows.
        const refs = references.length;
        references.push([scope, v]);
        next();
        parenthesizedOrArrow(() => until(')', () => (eat('...'), assignment())), refs, true);
      } else if (v === 'new' || v === 'import') eat('.') && next();
      else if (!/^(?:this|super|null|true|false)$/.test(v)) references.push([scope, v]);
    } else if (is('(', t)) parenthesizedOrArrow(() => (expression(), expect(')')), references.length, false);
    else if (is('[', t)) until(']', () => !is(',') && (eat('...'), assignment()));
    else if (is('{', t)) {
      until('}', () => {
        if (eat('...')) return assignment();
        const async = modifiers(['async', 'get', 'set']);
        const generator = eat('*');
        const key = peek();
        propertyKey();
        if (is('(')) method(async, generator);
        else if (eat(':')) assignment();
        else {
          references.push([scope, key.value]);
          if (eat('=')) assignment();
        }
      });
    } else if (t.type === PUNCT || t === end) throw new InvalidArgumentError(`unexpected \`${t.value}\``);
  }

  // ---- statements ----
  function statement(): void {
    const t = peek();
    const v = t.type === NAME ? t.value : '';
    const start = i;
    if (eat('{')) {
      enter(false);
      while (!eat('}')) statement();
      leave();
    } else if (eat(';')) {
      // empty statement
    } else if (v === 'var' || v === 'const' || (v === 'let' && (peek(1).type === NAME || is('[', peek(1)) || is('{', peek(1))))) {
      next();
      declarations(v === 'var' ? functionScope() : scope);
    } else if (v === 'function' || (v === 'async' && is('function', peek(1)) && !peek(1).nl)) {
      if (next().value === 'async') next();
      fn(true, v === 'async');
    } else if (v === 'class') {
      next();
      klass(true);
    } else if (v === 'if' || v === 'while' || v === 'with') {
      next();
      parenthesized();
      statement();
      if (v === 'if' && eat('else')) statement();
    } else if (v === 'do') {
      next();
      statement();
      expect('while');
      parenthesized();
    } else if (v === 'for') {
      next();
      eat('await');
      expect('(');
      enter(false);
      const d = peek().value;
      if (d === 'var' || d === 'let' || d === 'const') {
        next();
        declarations(d === 'var' ? functionScope() : scope);
      } else if (!is(';')) expression();
      // After an expression, `in` was read as an operator (the same names), and `)` follows.
      if (eat('of') || eat('in')) expression();
      else if (!is(')')) {
        expect(';');
        if (!is(';')) expression();
        expect(';');
        if (!is(')')) expression();
      }
      expect(')');
      statement();
      leave();
    } else if (v === 'return' || v === 'throw') {
      next();
      if (!peek().nl && !is(';') && !is('}') && peek() !== end) expression();
    } else if (v === 'break' || v === 'continue') {
      next();
      if (peek().type === NAME && !peek().nl) next();
    } else if (v === 'try') {
      next();
      body();
      if (eat('catch')) {
        enter(false);
        if (eat('(')) {
          pattern(scope);
          expect(')');
        }
        body();
        leave();
      }
      if (eat('finally')) body();
    } else if (v === 'switch') {
      next();
      parenthesized();
      expect('{');
      enter(false);
      while (!eat('}')) {
        if (eat('case')) {
          expression();
          expect(':');
        } else if (eat('default')) expect(':');
        else statement();
      }
      leave();
    } else if (v === 'debugger') {
      next();
    } else if (v && is(':', peek(1))) {
      next();
      next();
      statement();
    } else expression();
    eat(';');
    if (i === start) throw new InvalidArgumentError(`unexpected \`${peek().value}\``);
  }
  function parenthesized(): void {
    expect('(');
    expression();
    expect(')');
  }

  expression();
  if (peek() !== end) throw new InvalidArgumentError(`unexpected \`${peek().value}\` after the function`);
  // Most recent reference first: the order acorn + periscopic reported them in, kept for the error messages.
  const free = new Set<string>();
  for (let r = references.length - 1; r >= 0; r--) {
    const [from, name] = references[r]!;
    let s: Scope | undefined = from;
    while (s && !s.names.has(name)) s = s.parent;
    if (!s) free.add(name);
  }
  return [...free];
}

interface Scope {
  names: Set<string>;
  /** A function's scope (where `var` declares), rather than a block's. */
  fn: boolean;
  /** For a function's scope: where `await` and `yield` are operators. */
  async: boolean;
  generator: boolean;
  parent?: Scope;
}

const NAME = 'name';
const PUNCT = 'punct';

/** Punctuators that do not continue an expression as a binary or assignment operator. */
const NOT_BINARY = /^(?:[()[\]{},;:~!?.]|\.\.\.|\?\.|=>|\+\+|--)$/;
