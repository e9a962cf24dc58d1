/**
 * The Node variant of `#node-sinks` (package.json "imports", `node` condition): the outputs that
 * need Node's files. A browser bundle gets nodeSinks.browser.ts instead.
 */
export { saveAsTextFiles } from '../sinks/saveAsTextFiles.ts';
