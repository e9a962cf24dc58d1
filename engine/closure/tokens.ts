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
    const space = match(SPACE);
    if (space) {
      nl ||= /[\n\r\u2028\u2029]/.test(space);
      at += space.length;
      continue;
    }
    const before = tokens[tokens.length - 1];
    const token = { start: at, nl, templates: [...stack] };
    const c = source[at]!;
    let type: TokenType = 'punct';
    let value: string | undefined;
    if ((c === '`' || (c === '}' && stack[stack.length - 1] === 0)) && (value = match(TEMPLATE))) {
      const open = value.endsWith('${');
      type = c === '`' ? (open ? 'head' : 'template') : open ? 'middle' : 'tail';
      if (type === 'head') stack.push(0);
      else if (type === 'tail') stack.pop();
    } else if (c === '/' && (before ? regexAfter(before) : regexFirst) && (value = match(REGEX))) {
      type = 'regex';
    } else if ((value = match(NAME))) {
      type = 'name';
    } else if ((value = match(PRIVATE))) {
      type = 'private';
    } else if ((value = match(NUMBER))) {
      type = 'number';
    } else if ((value = match(STRING))) {
      type = 'string';
    } else if ((value = match(PUNCT))) {
      if (stack.length > 0 && value === '{') stack[stack.length - 1]!++;
      if (stack.length > 0 && value === '}') stack[stack.length - 1]!--;
    } else {
      // Not JavaScript, or scanned from a wrong guess that the reader will correct: one character
      // the reader stops at if it is reached.
      value = c;
    }
    // A name's escapes (`\u0061`) decoded: the name is what a scope declares or a reference reads.
    const name = type === 'name' ? value.replace(/\\u(?:\{([\da-fA-F]+)\}|([\da-fA-F]{4}))/g, (_, braced?: string, four?: string) => String.fromCodePoint(parseInt(braced ?? four!, 16))) : value;
    tokens.push({ ...token, type, value: name });
    at += value.length;
    nl = false;
  }
  return tokens;
}

/** A guess: whether a `/` after `before` starts a regular expression. */
function regexAfter(before: Token): boolean {
  if (before.type === 'name') return BEFORE_OPERAND.test(before.value);
  return before.type === 'punct' ? !/^[)\]}]$|^(?:\+\+|--)$/.test(before.value) : before.type === 'head' || before.type === 'middle';
}
