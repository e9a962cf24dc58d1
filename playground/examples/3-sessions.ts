// Sessions with mapWithState: a user's session ends after 5 seconds without a click.
// The state function runs only for users with clicks in the batch, and once more for a user
// whose session timed out (value undefined, state.isTimingOut() true).
import { StreamingContext, Seconds, StateSpec, type State } from 'rivulet';
import { clickStream, type Click } from 'rivulet/playground';

interface Session {
  start: number;
  clicks: number;
  pages: string[];
}

const ssc = new StreamingContext({ batchInterval: Seconds(1) });
const byUser = clickStream(ssc, { perSecond: 6, users: 6, idleRate: 0.6 }).map((click) => [click.user, click]);

const spec = StateSpec.function((user: string, click: Click | undefined, state: State<Session>) => {
  if (state.isTimingOut()) {
    const s = state.get();
    return `${user}: session ended after ${s.clicks} clicks (${s.pages.slice(-3).join(' → ')})`;
  }
  const s = state.getOption() ?? { start: click!.time, clicks: 0, pages: [] };
  state.update({ ...s, clicks: s.clicks + 1, pages: [...s.pages, click!.page] });
  return s.clicks === 0 ? `${user}: session started` : undefined;
}).timeout(Seconds(5));

const events = byUser.mapWithState(spec);
events.print();
events
  .stateSnapshots()
  .map(([user, s]) => `${user}: ${s.clicks} clicks`)
  .print();
ssc.start();
