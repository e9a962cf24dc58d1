import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';

/**
 * Code travels in the URL's hash (never sent to a server), compressed with lz-string: URL-safe
 * output, synchronous (CompressionStream is async and its output needs base64 on top), 5 KB.
 */
export function shareUrl(href: string, code: string): string {
  const url = new URL(href);
  url.hash = `code=${compressToEncodedURIComponent(code)}`;
  return url.toString();
}

export function readSharedCode(hash: string): string | undefined {
  const m = /^#code=(.+)$/.exec(hash);
  if (!m) return undefined;
  return decompressFromEncodedURIComponent(m[1]!) || undefined;
}
