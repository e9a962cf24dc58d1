/**
 * Spark's "callSite": where in the user's code an operation was defined, e.g.
 * `map at wordcount.ts:12:8`. Computed once, when the operation is defined: the first frame of
 * the stack that is not the engine's own.
 *
 * Which frames are the engine's is found from where this module itself runs (its own frame),
 * never from a folder's name, so a user's folder called `engine/` is user code:
 * - from source or the browser build (`…/engine/util/callSite.ts`, `…/dist/browser/util/callSite.js`):
 *   everything under that engine directory;
 * - from the installed package (`…/node_modules/rivulet/…`, also pnpm's and Yarn's layouts, and
 *   a bundle mapped back with `node --enable-source-maps`): everything in the package;
 * - bundled into an application's files (esbuild, Vite, webpack without source maps): the
 *   engine's code is emitted before the modules that import it, so in a file where the engine's
 *   entry set its end mark (see markEngineEnd) the engine's frames are those at or before it, and
 *   the user's frame is reported as the bundle's `file:line:column`; a chunk holding this module
 *   and no mark is the engine's alone.
 */

/** One stack frame's location. */
interface Frame {
  /** As the stack shows it (a path or URL), without a query string or hash. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Frames that are never the user's definition: the platform's own and evaluated code. */
const PLATFORM_FRAME = /node:internal|\(native\)|\(eval at |\[native code\]/;

/** `at f (file:1:2)`, `at file:1:2` (V8), `f@file:1:2` (Firefox, Safari). */
const FRAME = /(?:\(|@|^\s*at\s+)((?:[a-z][\w+.-]*:\/{0,3})?[^()\s@]*?):(\d+):(\d+)\)?\s*$/i;

function parseFrame(text: string): Frame | undefined {
  if (PLATFORM_FRAME.test(text)) return undefined;
  const m = FRAME.exec(text.trim());
  if (!m || !m[1]) return undefined;
  return { file: m[1].replace(/[?#].*$/, ''), line: Number(m[2]), column: Number(m[3]) };
}

function framesOf(stack: string): Frame[] {
  return stack
    .split('\n')
    .map(parseFrame)
    .filter((f): f is Frame => f !== undefined);
}

/** A frame's file as a comparable path: file URLs decoded, `/` separators. */
function normal(file: string): string {
  let f = file;
  if (f.startsWith('file://')) {
    try {
      f = decodeURIComponent(f.slice('file://'.length)).replace(/^\/([A-Za-z]:)/, '$1');
    } catch {
      // not a well-formed URL: compared as written
    }
  }
  return f.replace(/\\/g, '/');
}

/** What identifies the engine's frames; see the module comment. */
interface EngineFrames {
  /** Frames whose file starts with this are the engine's (source layout or installed package). */
  readonly directory: string | undefined;
  /** The file this module runs in: in a bundle, the engine's frames are those in it up to `end`. */
  readonly ownFile: string;
}

function locateEngine(): EngineFrames {
  const own = framesOf(new Error().stack ?? '')[0];
  if (!own) return { directory: undefined, ownFile: '' };
  const file = normal(own.file);
  const source = /^(.*\/)util\/callSite\.[cm]?[jt]s$/.exec(file);
  const installed = /^(.*\/node_modules\/rivulet\/)/.exec(file);
  return { directory: installed?.[1] ?? source?.[1], ownFile: own.file };
}

const engine = locateEngine();

/**
 * Where the engine's code ends in each bundle file that marks it (markEngineEnd), by file. A
 * bundler may split the engine across files (chunks): each entry's file is marked.
 */
const engineEnds = new Map<string, { line: number; column: number }>();

/**
 * @internal Called (at the top level) by the modules an application imports the engine through
 * (the package entry and the worker entry): `markEngineEnd(() => new Error())`. A bundler emits a
 * module after everything it imports, so in an application's bundle the code of the engine lies
 * at or before the furthest of these marks in that file, and the application's code that calls it after.
 */
export function markEngineEnd(probe: () => Error): void {
  const mark = framesOf(probe().stack ?? '')[0];
  if (!mark) return;
  const file = normal(mark.file);
  const end = engineEnds.get(file);
  if (!end || mark.line > end.line || (mark.line === end.line && mark.column > end.column)) {
    engineEnds.set(file, { line: mark.line, column: mark.column });
  }
}

function isEngineFrame(frame: Frame): boolean {
  const file = normal(frame.file);
  if (engine.directory !== undefined && file.startsWith(engine.directory)) return true;
  const end = engineEnds.get(file);
  // A bundle file with an end mark: the engine's code up to it. This module's own file without
  // one: a chunk of the engine alone.
  if (end) return frame.line < end.line || (frame.line === end.line && frame.column <= end.column);
  return file === normal(engine.ownFile);
}

export function userCallSite(): string {
  return callSiteFromStack(new Error().stack);
}

/** The first frame of `stack` that is user code, as `file:line:column`. */
export function callSiteFromStack(stack: string | undefined = ''): string {
  for (const frame of framesOf(stack)) {
    if (isEngineFrame(frame)) continue;
    const file = frame.file.split(/[\\/]/).pop();
    return `${file}:${frame.line}:${frame.column}`;
  }
  return 'unknown location';
}
