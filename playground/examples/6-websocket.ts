// @playground mode=realtime
// A WebSocket source: every message a server sends is a record; type its URL, then Run.
// The server sends text: one word, a sentence or a JSON document per message. Without a server
// the receiver reports the failed connection and retries every 2 seconds.
import { StreamingContext, Seconds } from 'rivulet';

const url = 'ws://localhost:8080';

const ssc = new StreamingContext({ batchInterval: Seconds(2) });
const messages = ssc.webSocketStream(url);

messages
  .flatMap((text) => text.split(/\s+/).filter((w) => w.length > 0))
  .countByValue()
  .print();

messages.count().print();

ssc.start();
