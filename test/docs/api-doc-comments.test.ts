/**
 * Every public export of engine/index.ts (what `import … from 'rivulet'` gives) has a doc comment,
 * because docs/api/ is generated from them (`npm run docs:api`). The check follows re-exports and
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

it('every public export of engine/index.ts has a doc comment', () => {
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
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decls = symbol.getDeclarations() ?? [];
    if (decls.some(hasDocComment)) continue;
    const where = decls[0] ? `${path.relative(root, decls[0].getSourceFile().fileName)}:${decls[0].getSourceFile().getLineAndCharacterOfPosition(decls[0].getStart()).line + 1}` : '?';
    missing.push(`${exported.name} (${where})`);
  }
  expect(missing, `public exports without a doc comment (add a /** … */ saying what it does and its Spark counterpart):\n${missing.join('\n')}`).toEqual([]);
}, 60_000);
