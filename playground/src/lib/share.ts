import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';
import type { ClockMode, Speed } from '../protocol.ts';

/** What a link carries: the code and the run settings it was shared with. */
export interface SharedPipeline {
  code: string;
  /** Absent in links made before settings travelled: the code's `// @playground mode=` line, else virtual time, decides. */
  mode?: ClockMode;
  speed?: Speed;
}

/**
 * Code travels in the URL's hash (never sent to a server), compressed with lz-string: URL-safe
 * output, synchronous (CompressionStream is async and its output needs base64 on top), 5 KB.
 * The run settings follow it: `#code=…&mode=realtime&speed=10`.
 */
export function shareUrl(href: string, shared: SharedPipeline): string {
  const url = new URL(href);
  let hash = `code=${compressToEncodedURIComponent(shared.code)}`;
  if (shared.mode) hash += `&mode=${shared.mode}`;
  if (shared.speed !== undefined) hash += `&speed=${shared.speed}`;
  url.hash = hash;
  return url.toString();
}

const SPEEDS: Record<string, Speed> = { '1': 1, '10': 10, '100': 100, max: 'max' };

export function readShared(hash: string): SharedPipeline | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  // URLSearchParams would turn lz-string's `+` into a space: the code is read from the raw hash.
  const m = /(?:^#|&)code=([^&]+)/.exec(hash);
  if (!m) return undefined;
  const code = decompressFromEncodedURIComponent(m[1]!);
  if (!code) return undefined;
  const mode = params.get('mode');
  const speed = params.get('speed');
  return {
    code,
    mode: mode === 'virtual' || mode === 'realtime' ? mode : undefined,
    speed: speed !== null ? SPEEDS[speed] : undefined,
  };
}
