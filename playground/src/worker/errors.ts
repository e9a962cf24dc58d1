import type { UserCodeError } from '../protocol.ts';
import { PIPELINE_FILE } from './compile.ts';
import { CompileError } from './compile.ts';

const USER_FRAME = new RegExp(`${PIPELINE_FILE.replace('.', '\\.')}:(\\d+):(\\d+)`);
/** A frame of a shipped user function: `rivulet:<operation>@<encoded call site>:<line>:<col>` (see engine/closure/attribution.ts). */
const SHIPPED_FRAME = /rivulet:[^@\s()]+@([^:\s()]+):(\d+):(\d+)/;
/**
 * Lines before a shipped function's source in the script V8 compiles for `new Function(params,
 * body)`: `(function anonymous(params`, `) {`, `"use strict";`, then `return (<source>)`.
 */
const SHIPPED_PREAMBLE_LINES = 3;

/** The error and its causes, outermost first. */
function chain(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let x = e; x !== undefined && x !== null && out.length < 8; x = (x as { cause?: unknown }).cause) {
    out.push(x);
    if (typeof x !== 'object') break;
  }
  return out;
}

/**
 * Where in the user's code an error comes from, as precisely as the stacks allow: a frame in the
 * pipeline itself; else a frame in a shipped function, placed relative to the line where that
 * function's operation was defined; else the call site the engine put in the message.
 */
export function locate(e: unknown): { line: number; column: number } | undefined {
  if (e instanceof CompileError) return { line: e.line, column: e.column };
  const errors = chain(e).reverse(); // the innermost cause is where it was thrown
  for (const err of errors) {
    const stack = err instanceof Error ? (err.stack ?? '') : '';
    const shipped = SHIPPED_FRAME.exec(stack);
    const direct = USER_FRAME.exec(stack);
    if (shipped && (!direct || shipped.index < direct.index)) {
      const site = USER_FRAME.exec(decodeURIComponent(shipped[1]!));
      if (site) {
        const offset = Math.max(0, Number(shipped[2]) - SHIPPED_PREAMBLE_LINES - 1);
        return { line: Number(site[1]) + offset, column: offset === 0 ? Number(site[2]) : 1 };
      }
    }
    if (direct) return { line: Number(direct[1]), column: Number(direct[2]) };
  }
  for (const err of errors) {
    const message = err instanceof Error ? err.message : String(err);
    const site = USER_FRAME.exec(message);
    if (site) return { line: Number(site[1]), column: Number(site[2]) };
  }
  return undefined;
}

export function toUserError(e: unknown, phase: UserCodeError['phase']): UserCodeError {
  const where = locate(e);
  const err = e instanceof Error ? e : undefined;
  return {
    phase,
    name: err?.name ?? 'Error',
    message: err ? err.message : String(e),
    line: where?.line,
    column: where?.column,
    stack: err?.stack,
  };
}
