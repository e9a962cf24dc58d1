import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleForBrowser, type BrowserBundle } from '../support/browserBundle.ts';

/**
 * The browser connectors bundled as a web app's bundler would (vite, browser conditions):
 * rivulet/nats must take `#nats-transport`'s browser variant (WebSocket) and bring no Node
 * transport; rivulet/mqtt must take MQTT.js's browser build. (tweetnacl, which nats-core uses for
 * NKey authentication, tries `require('crypto')` and falls back to the browser's: vite empties
 * that one require, as every browser app using nats-core has it.)
 */
const bundles: BrowserBundle[] = [];
afterAll(() => bundles.forEach((b) => b.dispose()));

describe.each([
  ['engine/connectors/nats/index.ts', 'nats', 'wsconnect'],
  ['engine/connectors/mqtt/index.ts', 'mqtt', 'MQTTUtils'],
])('browser bundle of %s', (entry, name, marker) => {
  let bundle: BrowserBundle;
  beforeAll(async () => {
    bundle = await bundleForBrowser(entry, name);
    bundles.push(bundle);
  });

  test('has no node: import, no Node built-in externalized, and no Node transport', () => {
    expect(bundle.code).toContain(marker);
    expect(bundle.code).not.toMatch(/\bfrom\s*["']node:/);
    expect(bundle.code).not.toMatch(/\bimport\s*\(?\s*["']node:/);
    // Whoever requires an emptied Node module: only tweetnacl (its optional `crypto`).
    const modules = bundle.code.split(/^\/\/ (?=\S)/m);
    const requirers = modules.filter((m) => /require___vite_browser_external\w*\(\)/.test(m)).map((m) => m.slice(0, m.indexOf('\n')));
    expect(requirers.filter((m) => m !== 'node_modules/tweetnacl/nacl-fast.js')).toEqual([]);
    expect(bundle.code).not.toContain('transport-node');
    expect(bundle.warnings.filter((w) => /externalized for browser compatibility/.test(w))).toEqual([]);
  });
});
