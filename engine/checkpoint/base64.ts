/**
 * Base64 of raw bytes with the platform's btoa/atob (present in browsers, workers and Node ≥ 16),
 * so the codec needs neither Buffer nor a `node:` module.
 */
const CHUNK = 0x8000;

/** The base64 text of `bytes`. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

/** The bytes of base64 `text`; throws on characters outside the base64 alphabet. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
