/**
 * The browser variant of `#node-sinks` (package.json "imports", `default` condition): each
 * Node-only output throws the NodeOnlyError it throws in a browser anyway (from
 * `platform.requireSupport`, when it is defined), without bringing its code into the bundle.
 */
import type * as NodeSinks from './nodeSinks.node.ts';
import { NodeOnlyError } from './Platform.ts';

export const saveAsTextFiles: typeof NodeSinks.saveAsTextFiles = () => {
  throw new NodeOnlyError('saveAsTextFiles');
};
