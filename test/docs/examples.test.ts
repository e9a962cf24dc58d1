/**
 * Every ```ts block in docs/**\/*.md is a program, and this runs it: written to
 * test/docs/.generated/<doc>-<n>/app.ts, type-checked with the project's tsconfig, imported (top-level
 * await is fine), its console.log output captured and, when a ```text block follows it, compared
 * with that block exactly. `ts no-run` blocks are type-checked only.
 *
 * RIVULET_DOCS_UPDATE=1 npx vitest run test/docs rewrites the existing ```text blocks with what the
 * examples print (like updating snapshots: read the diff before committing it).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import ts from 'typescript';
import { docBlocks, type DocBlock } from './blocks.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const generatedDir = path.join(root, 'test/docs/.generated');
const wordcount = path.join(root, 'docs/examples/wordcount.ts');
const update = process.env.RIVULET_DOCS_UPDATE === '1';

const blocks = docBlocks(root);
const fileOf = (b: DocBlock) => path.join(generatedDir, `${b.doc.replace(/^docs\//, '').replace(/\.md$/, '').replace(/[^\w-]+/g, '_')}-${b.index}`, 'app.ts');

rmSync(generatedDir, { recursive: true, force: true });
for (const b of blocks) {
  mkdirSync(path.dirname(fileOf(b)), { recursive: true });
  // export {} makes every block a module, so top-level await is allowed and names do not clash.
  writeFileSync(fileOf(b), `${b.code}\nexport {};\n`);
}

let program: ts.Program;
beforeAll(() => {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  program = ts.createProgram([...blocks.map(fileOf), wordcount], { ...config.options, noEmit: true });
}, 60_000);

function typeErrors(file: string, block?: DocBlock): string {
  const source = program.getSourceFile(file);
  if (!source) return `${file} is not in the program`;
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  return diagnostics
    .map((d) => {
      const { line } = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0) : { line: -1 };
      // Name the line in the Markdown, where the example is edited.
      const where = block ? `${block.doc}:${block.line + 1 + line}` : `${path.relative(root, file)}:${line + 1}`;
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    })
    .join('\n');
}

const actual = new Map<DocBlock, string>();

describe.each([...new Set(blocks.map((b) => b.doc))])('%s', (doc) => {
  for (const block of blocks.filter((b) => b.doc === doc)) {
    const name = `${block.doc}:${block.line}${block.run ? '' : ' (no-run: type-checked only)'}`;
    it(name, async () => {
      expect(typeErrors(fileOf(block), block)).toBe('');
      if (!block.run) return;
      let output = '';
      const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        output += format(...args) + '\n';
      });
      try {
        await import(pathToFileURL(fileOf(block)).href);
      } finally {
        log.mockRestore();
      }
      if (block.expected === undefined) return;
      if (update) actual.set(block, output);
      else expect(output).toBe(block.expected.text);
    }, 15_000);
  }
});

describe('docs/examples/wordcount.ts (npm run example)', () => {
  it('type-checks', () => {
    expect(typeErrors(wordcount)).toBe('');
  });

  it('prints word counts and windowed top words, then stops and exits 0', () => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const run = spawnSync(tsx, [wordcount], {
      cwd: root,
      env: { ...process.env, RIVULET_EXAMPLE_SECONDS: '2' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/-{43}\nTime: \d+ ms\n-{43}\n/);
    expect(run.stdout).toMatch(/Top words/);
    expect(run.stdout).toMatch(/Stopped/);
  }, 20_000);
});

afterAll(() => {
  if (!update || actual.size === 0) return;
  const byDoc = new Map<string, DocBlock[]>();
  for (const b of actual.keys()) byDoc.set(b.doc, [...(byDoc.get(b.doc) ?? []), b]);
  for (const [doc, docBlocksToUpdate] of byDoc) {
    const file = path.join(root, doc);
    const lines = readFileSync(file, 'utf8').split('\n');
    // Bottom-up, so earlier line numbers stay valid.
    for (const b of docBlocksToUpdate.sort((x, y) => y.line - x.line)) {
      const text = actual.get(b)!;
      const newLines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
      lines.splice(b.expected!.fromLine, b.expected!.toLine - b.expected!.fromLine, ...newLines);
    }
    writeFileSync(file, lines.join('\n'));
  }
});
