/**
 * The in-place steps of the state streams in local mode (an inverse window, updateStateByKey) and
 * what those streams need with them: one module, loaded when a context with such a stream starts
 * (DStream.loadBatchCode), so that a page whose streams keep no state in place does not load it.
 */
export { InPlaceStateRDD, StatePairsRDD, previousParent } from './InPlaceStateRDD.ts';
export { WindowStateRDD } from './WindowStateRDD.ts';
export { UpdateStateRDD } from './UpdateStateRDD.ts';
