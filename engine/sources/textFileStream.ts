// SCAFFOLD — replaced by the sources work; do not ship.
import type { StreamingContext } from '../streaming/StreamingContext.ts';
import type { InputDStream } from '../dstream/InputDStream.ts';
export interface TextFileStreamOptions {}
export function textFileStream(_ssc: StreamingContext, _dir: string, _o?: TextFileStreamOptions): InputDStream<string> {
  throw new Error('textFileStream: not implemented yet');
}
