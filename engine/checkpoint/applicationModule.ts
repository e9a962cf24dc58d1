/**
 * What identifies a Node application when it sets no name (StreamingContextOptions.appName): its
 * main module, as `<package name>:<path in the package, without extension>`, e.g.
 * `billing:jobs/clicks`. Node-only (reached through `#checkpoint-fs`; the browser variant has
 * none).
 *
 * Chosen to stay the same across restarts and code upgrades of one application — a path inside
 * its package, not on the disk (a deployment moves it), without the extension (`tsx main.ts` in
 * development, `node main.js` built) — and to differ between applications: two scripts of one
 * package, or two packages. Not the pipeline's operators: an upgrade may add or change them, and
 * recovery already checks them one by one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let cached: { module: string | undefined } | undefined;

/**
 * The main module's identity, or undefined when there is none that identifies the application:
 * no main script (a REPL, `node -e`), or one in node_modules (a test runner, a process manager).
 */
export function applicationModule(): string | undefined {
  cached ??= { module: find() };
  return cached.module;
}

function find(): string | undefined {
  const main = process.argv[1];
  if (!main) return undefined;
  let file: string;
  try {
    file = fs.realpathSync(path.resolve(main));
  } catch {
    file = path.resolve(main);
  }
  if (/[\\/]node_modules[\\/]/.test(file)) return undefined;
  const withoutExtension = file.replace(/\.(?:[cm]?[jt]sx?)$/, '');
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const name = packageName(path.join(dir, 'package.json'));
    if (name !== undefined) return `${name}:${path.relative(dir, withoutExtension).split(path.sep).join('/')}`;
    if (path.dirname(dir) === dir) return withoutExtension.split(path.sep).join('/');
  }
}

/** The `name` of a package.json; undefined when there is no such file or it has no name. */
function packageName(file: string): string | undefined {
  try {
    const name = (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}
