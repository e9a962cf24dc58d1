// comlink ships this file's types as node-adapter.d.ts beside it, under a name TypeScript does not pair with `.mjs`.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export interface NodeEndpoint {
    postMessage(message: any, transfer?: any[]): void;
    on(type: string, listener: (...args: any[]) => void, options?: {}): void;
    off(type: string, listener: (...args: any[]) => void, options?: {}): void;
    start?: () => void;
  }
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
