/**
 * Finds the TypeScript examples in the docs' Markdown. A ```ts block is one complete program; a
 * ```text block right after it (only blank lines between) is the console.log output the program
 * must print, exactly. A block whose fence says ```ts no-run is type-checked but not executed
 * (for examples that need a server the example cannot start itself).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface DocBlock {
  /** Path of the Markdown file, relative to the repository root (`docs/guide.md`). */
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** 1-based position among the doc's ts blocks. */
  index: number;
  code: string;
  run: boolean;
  /** The ```text block that follows, if any: its content, and the lines it spans (inside the fences, 0-based). */
  expected?: { text: string; fromLine: number; toLine: number };
}

const TS_LANGS = new Set(['ts', 'typescript']);

interface Fence {
  line: number; // 0-based
  marker: string;
  lang: string;
  flags: string[];
  contentFrom: number;
  contentTo: number; // exclusive
  indent: number;
}

function fences(lines: string[]): Fence[] {
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, marker, lang, rest] = open;
    let j = i + 1;
    while (j < lines.length) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[1]![0] === marker![0] && close[1]!.length >= marker!.length) break;
      j++;
    }
    out.push({
      line: i,
      marker: marker!,
      lang: lang!.toLowerCase(),
      flags: rest!.trim().split(/\s+/).filter(Boolean),
      contentFrom: i + 1,
      contentTo: j,
      indent: indent!.length,
    });
    i = j;
  }
  return out;
}

function content(lines: string[], f: Fence): string {
  const body = lines.slice(f.contentFrom, f.contentTo).map((l) => l.slice(Math.min(f.indent, l.length - l.trimStart().length)));
  return body.length === 0 ? '' : body.join('\n') + '\n';
}

export function blocksOf(doc: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const all = fences(lines);
  const blocks: DocBlock[] = [];
  all.forEach((f, k) => {
    if (!TS_LANGS.has(f.lang)) return;
    const unknown = f.flags.filter((flag) => flag !== 'no-run');
    if (unknown.length > 0) throw new Error(`${doc}:${f.line + 1}: unknown fence flag(s) ${unknown.join(' ')}; the only one is no-run.`);
    const next = all[k + 1];
    let expected: DocBlock['expected'];
    if (next && next.lang === 'text' && lines.slice(f.contentTo + 1, next.line).every((l) => l.trim() === '')) {
      expected = { text: content(lines, next), fromLine: next.contentFrom, toLine: next.contentTo };
    }
    blocks.push({
      doc,
      line: f.line + 1,
      index: blocks.length + 1,
      code: content(lines, f),
      run: !f.flags.includes('no-run'),
      expected,
    });
  });
  return blocks;
}

/** Every Markdown file under `dir`, skipping node_modules and dot-directories. */
export function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownFiles(full));
    else if (entry.name.endsWith('.md')) out.push(full);
  }
  return out.sort();
}

/** The blocks of the README (its first example is what a user runs after `npm install rivulet`) and of every doc under docs/. */
export function docBlocks(root: string): DocBlock[] {
  return [path.join(root, 'README.md'), ...markdownFiles(path.join(root, 'docs'))].flatMap((file) =>
    blocksOf(path.relative(root, file).split(path.sep).join('/'), readFileSync(file, 'utf8')),
  );
}
