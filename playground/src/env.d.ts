/// <reference types="vite/client" />
/// <reference types="svelte" />

declare module 'virtual:rivulet-types' {
  /** `{ 'node_modules/rivulet/engine/index.d.ts': text, … }`, see build/engineTypes.ts */
  const files: Record<string, string>;
  export default files;
}

// Monaco's own files, reached through the `monaco-esm` alias (vite.config.ts): typed where the
// playground uses their exports, side-effect imports (editor contributions) otherwise.
declare module 'monaco-esm/editor/editor.api.js' {
  export * from 'monaco-editor/editor/editor.api';
}
declare module 'monaco-esm/languages/features/typescript/register.js' {
  export * from 'monaco-editor/languages/features/typescript/register';
}
declare module 'monaco-esm/*';
