import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface BrowserBundle {
  /** Where the bundle was written (removed by dispose()). */
  outDir: string;
  /** Every emitted JavaScript file, concatenated. */
  code: string;
  /** What the bundler warned about (e.g. a Node built-in externalized for the browser). */
  warnings: string[];
  dispose(): void;
}

/**
 * Bundle `entry` (relative to the repo) the way a web app's bundler would: vite, browser
 * conditions, the project's own config left out (it is the test runner's, for Node).
 */
export async function bundleForBrowser(entry: string, fileName: string): Promise<BrowserBundle> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `rivulet-${fileName}-bundle-`));
  const warnings: string[] = [];
  await build({
    root,
    configFile: false,
    logLevel: 'silent',
    build: {
      lib: { entry: path.join(root, entry), formats: ['es'], fileName },
      outDir,
      emptyOutDir: true,
      minify: false,
      sourcemap: false,
      write: true,
      rolldownOptions: { onwarn: (warning) => void warnings.push(String(warning.message ?? warning)) },
    },
  });
  const code = fs.readdirSync(outDir).filter((f) => /\.m?js$/.test(f)).map((f) => fs.readFileSync(path.join(outDir, f), 'utf8')).join('\n');
  return { outDir, code, warnings, dispose: () => fs.rmSync(outDir, { recursive: true, force: true }) };
}
