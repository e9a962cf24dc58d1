/**
 * Monaco set up for pipelines: the TypeScript service knows the engine's real declarations
 * (emitted at build time, see build/engineTypes.ts), and its workers are Vite `?worker` bundles.
 */
import * as monaco from './monaco.ts';
import EditorWorker from 'monaco-esm/editor/editor.worker.js?worker';
import TsWorker from 'monaco-esm/languages/features/typescript/ts.worker.js?worker';

export { monaco };
export const PIPELINE_URI = 'file:///pipeline.ts';

let configured = false;

export function configureMonaco(): void {
  if (configured) return;
  configured = true;
  (self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
    getWorker: (_id: string, label: string) => (label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker()),
  };
  const ts = monaco.typescript;
  ts.typescriptDefaults.setCompilerOptions({
    target: ts.ScriptTarget.ESNext,
    module: ts.ModuleKind.ESNext,
    // 100 = Bundler (Monaco's enum lists only Classic and NodeJs): resolves the package's `types`
    // and the engine's `./x.ts` imports.
    moduleResolution: 100 as never,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    allowNonTsExtensions: true,
  });
  ts.typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
  ts.typescriptDefaults.setEagerModelSync(true);
  // A chunk of its own (~0.6 MB of declarations): the editor is usable before it arrives.
  void import('virtual:rivulet-types').then(({ default: files }) => {
    for (const [path, text] of Object.entries(files)) ts.typescriptDefaults.addExtraLib(text, `file:///${path}`);
  });
}
