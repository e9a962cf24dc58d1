/**
 * The tokens of a function's source, for freeVariables.ts: names, punctuators and literals, with
 * white space and comments dropped and a flag for a line break before a token (for automatic
 * semicolon insertion). Template literals come as a head, the tokens of each substitution, and a
 * middle or tail, so that substitutions are read as code.
 *
 * Whether a `/` starts a regular expression or is a division depends on the grammar; this guesses
 * from the token before it (a division after an operand), and the reader, which knows where it
 * expects an operand, scans again from there when the guess was wrong (`retokenize`).
 */
export interface Token {
  type: TokenType;
  value: string;
  /** Offset in the source. */
  start: number;
  /** A line break between this token and the one before. */
  nl: boolean;
  /** Open template substitutions before this token: for each, the `{` not yet closed inside it. */
  templates: number[];
}

export type TokenType = 'name' | 'private' | 'punct' | 'number' | 'string' | 'template' | 'head' | 'middle' | 'tail' | 'regex';

const SPACE = /(?:\s+|\/\/.*|\/\*[^]*?\*\/)+/y;
const NAME = /(?:[$_\p{ID_Start}]|\\u[\da-fA-F]{4}|\\u\{[\da-fA-F]+\})(?:[$\u200c\u200d\p{ID_Continue}]|\\u[\da-fA-F]{4}|\\u\{[\da-fA-F]+\})*/uy;
const PRIVATE = new RegExp('#' + NAME.source, 'uy');
const NUMBER = /(?:0[xXoObB][\da-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)n?/y;
const STRING = /'(?:[^'\\\n\r]|\\[^])*'|"(?:[^"\\\n\r]|\\[^])*"/y;
/** From a backquote or a substitution's closing brace to the next substitution or the end. */
const TEMPLATE = /[`}](?:[^`\\$]|\\[^]|\$(?!\{))*(?:`|\$\{)/y;
const REGEX = /\/(?:[^\\/[\n\r]|\\.|\[(?:[^\]\\\n\r]|\\.)*\])+\/[$\p{ID_Continue}]*/uy;
const PUNCT = /\?\.(?!\d)|>>>=?|\.\.\.|\*\*=?|&&=?|\|\|=?|\?\?=?|[=!]==?|<<=?|>>=?|=>|\+\+|--|[-+*%&|^<>!=/]=?|[{}()[\];,~?:.@]/y;
/** Names after which an operand comes, so a `/` starts a regular expression. */
const BEFORE_OPERAND = /^(?:return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/;

/** Tokens of `source` from `at`; `templates` and `nl` describe the position there (for a scan again). */
export function tokenize(source: string, at = 0, templates: number[] = [], nl = false, regexFirst?: boolean): Token[] {
  const tokens: Token[] = [];
  const stack = [...templates];
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = at;
    return re.exec(source)?.[0];
  };
  while (at < source.length) {
    const c = source[at]!;
    // Only white space, a comment or a non-ASCII character can start white space.
    const space = c <= ' ' || c === '/' || c > '~' ? match(SPACE) : undefined;
    if (space) {
      nl ||= /[\n\r\u2028\u2029]/.test(space);
      at += space.length;
      continue;
    }
    const before = tokens[tokens.length - 1];
    const open = stack.length > 0 ? [...stack] : NONE;
    let type: TokenType = 'punct';
    let value: string | undefined;
    if ((c === '`' || (c === '}' && stack[stack.length - 1] === 0)) && (value = match(TEMPLATE))) {
      const substitution = value.endsWith('${');
      type = c === '`' ? (substitution ? 'head' : 'template') : substitution ? 'middle' : 'tail';
      if (type === 'head') stack.push(0);
      else if (type === 'tail') stack.pop();
    } else if (c === '/' && (before ? regexAfter(before) : regexFirst) && (value = match(REGEX))) {
      type = 'regex';
    } else if ((c === '#' || c === '\\' || c > '~' || /[A-Za-z_$]/.test(c)) && (value = match(c === '#' ? PRIVATE : NAME))) {
      type = c === '#' ? 'private' : 'name';
    } else if (/[\d.]/.test(c) && (value = match(NUMBER))) {
      type = 'number';
    } else if ((c === '"' || c === "'") && (value = match(STRING))) {
      type = 'string';
    } else if ((value = match(PUNCT))) {
      if (stack.length > 0 && value === '{') stack[stack.length - 1]!++;
      if (stack.length > 0 && value === '}') stack[stack.length - 1]!--;
    } else {
      // Not JavaScript, or scanned from a wrong guess that the reader will correct: one character
      // the reader stops at if it is reached.
      value = c;
    }
    const length = value.length;
    // Escapes (`\u0061`) decoded: the name is what a scope declares or a reference reads.
    if (type === 'name' && value.includes('\\'))
      value = value.replace(/\\u(?:\{([\da-fA-F]+)\}|([\da-fA-F]{4}))/g, (_, braced?: string, four?: string) => String.fromCodePoint(parseInt(braced ?? four!, 16)));
    tokens.push({ type, value, start: at, nl, templates: open });
    at += length;
    nl = false;
  }
  return tokens;
}

const NONE: number[] = [];

/** A guess: whether a `/` after `before` starts a regular expression. */
function regexAfter(before: Token): boolean {
  if (before.type === 'name') return BEFORE_OPERAND.test(before.value);
  return before.type === 'punct' ? !/^[)\]}]$|^(?:\+\+|--)$/.test(before.value) : before.type === 'head' || before.type === 'middle';
}
