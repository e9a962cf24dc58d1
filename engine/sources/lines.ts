import { OutOfRangeError } from '../util/errors.ts';
/**
 * Bytes to lines of text, as Java's BufferedReader.readLine (which Spark's socketTextStream
 * uses) and Hadoop's TextInputFormat split them: a line ends at `\n`, `\r` or `\r\n`; the
 * terminator is not part of the line; a last line without a terminator is still a line; a
 * multi-byte character or a `\r\n` split across two chunks is put back together.
 */
export class LineDecoder {
  private readonly decoder: TextDecoder;
  private partial = '';
  /** The previous chunk ended with `\r`: a `\n` starting the next one belongs to it. */
  private afterCR = false;

  constructor(encoding = 'utf-8') {
    this.decoder = new TextDecoder(encoding);
  }

  /** The lines completed by `chunk`. */
  write(chunk: Uint8Array): string[] {
    return this.split(this.decoder.decode(chunk, { stream: true }));
  }

  /** The input ended: the last, unterminated line (if any). */
  end(): string[] {
    const lines = this.split(this.decoder.decode());
    if (this.partial.length > 0) lines.push(this.partial);
    this.partial = '';
    this.afterCR = false;
    return lines;
  }

  private split(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    if (this.afterCR && text.startsWith('\n')) start = 1;
    if (text.length > 0) this.afterCR = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      lines.push(this.partial + text.slice(start, i));
      this.partial = '';
      if (c === 13) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.afterCR = true;
        }
      }
      start = i + 1;
    }
    this.partial += text.slice(start);
    return lines;
  }
}

/** Every line of a whole file's bytes. */
export function decodeLines(bytes: Uint8Array, encoding?: string): string[] {
  const decoder = new LineDecoder(encoding);
  const lines = decoder.write(bytes);
  for (const l of decoder.end()) lines.push(l);
  return lines;
}

/** Check an encoding label when a stream is defined, so a typo fails there and not at the first batch. */
export function checkEncoding(encoding: string | undefined, operation: string): string {
  const label = encoding ?? 'utf-8';
  try {
    new TextDecoder(label);
  } catch {
    throw new OutOfRangeError(`${operation}: unknown encoding "${label}"; use a WHATWG encoding label such as "utf-8", "utf-16le" or "latin1".`);
  }
  return label;
}
