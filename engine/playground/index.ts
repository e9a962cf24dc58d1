/**
 * `rivulet/playground`: what the playground gives a pipeline besides the engine, for running its
 * examples anywhere — seeded sources that need no server and follow the context's clock (so they
 * fast-forward in virtual time and give the same records on every run), and `playClock`, which
 * moves a ManualClock on its own as the playground's virtual time does. An entry of its own,
 * outside `rivulet`, so an app that does not import it does not load it. See docs/playground.md.
 */
export { clickStream, type Click, type ClickStreamOptions } from './clickStream.ts';
export { sentenceStream, type SentenceStreamOptions } from './sentenceStream.ts';
export { playClock, type PlayClockOptions } from './playClock.ts';
