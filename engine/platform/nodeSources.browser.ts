/**
 * The browser variant of `#node-sources` (package.json "imports", `default` condition): each
 * Node-only input throws the NodeOnlyError it throws in a browser anyway (from
 * `platform.requireSupport`, when it is defined), without bringing its code into the bundle.
 */
import type * as NodeSources from './nodeSources.node.ts';
import { NodeOnlyError } from './Platform.ts';

export const socketTextStream: typeof NodeSources.socketTextStream = () => {
  throw new NodeOnlyError('socketTextStream');
};

export const textFileStream: typeof NodeSources.textFileStream = () => {
  throw new NodeOnlyError('textFileStream');
};
