/**
 * The Node variant of `#node-sources` (package.json "imports", `node` condition): the inputs that
 * need Node's sockets and files. A browser bundle gets nodeSources.browser.ts instead, so their
 * code — dead there, since they throw when defined — stays out of it.
 */
export { socketTextStream } from '../sources/socketTextStream.ts';
export { textFileStream } from '../sources/textFileStream.ts';
