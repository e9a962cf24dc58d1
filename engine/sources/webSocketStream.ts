// SCAFFOLD — replaced by the sources work; do not ship.
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { ReceiverInputDStream } from '../dstream/ReceiverInputDStream.ts';
export interface WebSocketStreamOptions<T> { decode?: (data: string) => T }
export function webSocketStream<T>(_ssc: StreamingContext, _url: string, _o?: WebSocketStreamOptions<T>): ReceiverInputDStream<T> {
  throw new Error('webSocketStream: not implemented yet');
}
