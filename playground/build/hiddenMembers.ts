import ts from 'typescript';

/**
 * Engine plumbing left out of the declarations the editor's completions read: public in
 * TypeScript because other engine modules (and the playground's worker) use them, but not API —
 * Spark declares their counterparts `private[streaming]` / `private[spark]`. The editor lists the
 * operators without them; the engine and the published types keep them. A name that no longer
 * exists fails the build (hideEngineMembers), so this list cannot rot unnoticed.
 */
export const HIDDEN_MEMBERS: Record<string, readonly string[]> = {
  DStream: [
    'generatedRDDs',
    'zeroTime',
    'rememberDuration',
    'checkpointDuration',
    'persisted',
    'mustMaterialize',
    'initialize',
    'remember',
    'isTimeValid',
    'getOrCompute',
    'materialize',
    'replaceRDD',
    'onBatchFailed',
    'clearMetadata',
  ],
  StreamingContext: ['listenerBus', 'inputInfoTracker', 'graph', 'sparkContext'],
  RDD: ['isMaterialized'],
};

/**
 * The list a class's members are checked against: its own, else its family's — every
 * `…DStream` class (subclasses override the plumbing) takes DStream's, every `…RDD` RDD's.
 */
function listFor(cls: string): { family: string; names: readonly string[] } | undefined {
  if (HIDDEN_MEMBERS[cls]) return { family: cls, names: HIDDEN_MEMBERS[cls]! };
  if (cls.endsWith('DStream')) return { family: 'DStream', names: HIDDEN_MEMBERS.DStream! };
  if (cls.endsWith('RDD')) return { family: 'RDD', names: HIDDEN_MEMBERS.RDD! };
  return undefined;
}

/** A declaration transformer removing HIDDEN_MEMBERS; `found` collects `Class.member` for each removed from the class the list names. */
export function hideEngineMembers(found: Set<string>): ts.TransformerFactory<ts.SourceFile | ts.Bundle> {
  return (context) => (root) => {
    const visit = (node: ts.Node): ts.Node => {
      const list = ts.isClassDeclaration(node) && node.name ? listFor(node.name.text) : undefined;
      if (list && ts.isClassDeclaration(node) && node.name) {
        const cls = node.name.text;
        const hidden = new Set(list.names);
        const members = node.members.filter((m) => {
          const name = m.name && (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name)) ? m.name.text : undefined;
          if (name === undefined || !hidden.has(name)) return true;
          if (cls === list.family) found.add(`${cls}.${name}`);
          return false;
        });
        return context.factory.updateClassDeclaration(node, node.modifiers, node.name, node.typeParameters, node.heritageClauses, members);
      }
      return ts.visitEachChild(node, visit, context);
    };
    return ts.visitNode(root, visit) as ts.SourceFile | ts.Bundle;
  };
}

/** Throws unless every hidden member was found (and removed). */
export function checkHiddenMembers(found: ReadonlySet<string>): void {
  const missing = Object.entries(HIDDEN_MEMBERS)
    .flatMap(([cls, names]) => names.map((n) => `${cls}.${n}`))
    .filter((n) => !found.has(n));
  if (missing.length > 0) throw new Error(`playground/build/hiddenMembers.ts lists members the engine's declarations no longer have: ${missing.join(', ')}. Update the list.`);
}
