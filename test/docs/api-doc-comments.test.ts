/**
 * Every public export of engine/index.ts (what `import … from 'rivulet'` gives) has a doc comment,
 * because docs/api/ is generated from them (`npm run docs:api`), and the comment names the export's
 * Spark counterpart (or says Spark has none) and shows a short example (an `@example` or a code
 * block). The check follows re-exports and
 * aliases to the declarations, as the compiler does; an overloaded or merged symbol passes when any
 * of its declarations is documented.
 */
import { expect, it } from 'vitest';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = path.join(root, 'engine/index.ts');

function hasDocComment(decl: ts.Declaration): boolean {
  // A variable's comment sits on its statement, not on the declarator.
  let node: ts.Node = decl;
  if (ts.isVariableDeclaration(node)) node = node.parent.parent;
  return ts.getJSDocCommentsAndTags(node).some((d) => ts.isJSDoc(d) && (d.comment !== undefined || (d.tags?.length ?? 0) > 0));
}

/** The text of a declaration's doc comments (a variable's sit on its statement). */
function docText(decl: ts.Declaration): string {
  let node: ts.Node = decl;
  if (ts.isVariableDeclaration(node)) node = node.parent.parent;
  return ts.getJSDocCommentsAndTags(node).map((d) => d.getText()).join('\n');
}

function where(decl: ts.Declaration): string {
  const file = decl.getSourceFile();
  return `${path.relative(root, file.fileName)}:${file.getLineAndCharacterOfPosition(decl.getStart()).line + 1}`;
}

it('every public export of engine/index.ts has a doc comment with its Spark counterpart and an example', () => {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  })!;
  const program = ts.createProgram([entry], { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exports = checker.getExportsOfModule(moduleSymbol);
  expect(exports.length).toBeGreaterThan(20);
  const missing: string[] = [];
  const incomplete: string[] = [];
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decls = symbol.getDeclarations() ?? [];
    if (decls.some(hasDocComment)) {
      const text = decls.map(docText).join('\n');
      const lacks = [/spark/i.test(text) ? '' : 'its Spark counterpart', /@example|```/.test(text) ? '' : 'an example'].filter(Boolean);
      if (lacks.length > 0) incomplete.push(`${exported.name} (${where(decls[0]!)}): ${lacks.join(', ')}`);
      continue;
    }
    missing.push(`${exported.name} (${decls[0] ? where(decls[0]) : '?'})`);
  }
  expect(missing, `public exports without a doc comment (add a /** … */ saying what it does and its Spark counterpart):\n${missing.join('\n')}`).toEqual([]);
  expect(incomplete, `doc comments that lack a part (name the Spark counterpart, or say Spark has none; add an @example):\n${incomplete.join('\n')}`).toEqual([]);
});
