// SCAFFOLD — replaced by the sources work; do not ship.
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { ReceiverInputDStream } from '../dstream/ReceiverInputDStream.ts';
export interface SocketTextStreamOptions {}
export function socketTextStream(_ssc: StreamingContext, _host: string, _port: number, _o?: SocketTextStreamOptions): ReceiverInputDStream<string> {
  throw new Error('socketTextStream: not implemented yet');
}
