/**
 * `npm pack` of the repository as its users get it, into a temporary directory: a copy of what
 * npm pack reads (package.json, the sources it builds from, the files it ships), with the
 * repository's node_modules; its prepack (engine/build/library.ts) builds dist/ there and puts the
 * published package.json in place for the seconds npm takes to pack, so that the repository's own
 * package.json, which the other test files' processes read to resolve `#platform`… meanwhile,
 * never changes. Used by the package tests (consumers.test.ts, exported.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../..', import.meta.url));

/** Run a command in `cwd`; its output, or an error with everything it printed. */
export function run(cwd: string, command: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 240_000 });
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` in ${cwd} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export interface Packed {
  /** `<work>/rivulet.tgz`: projects beside it depend on `file:../rivulet.tgz`. */
  tarball: string;
  /** npm pack's report: the files in the tarball. */
  files: { path: string }[];
}

/** Pack the repository into `<work>/rivulet.tgz` (building the library on the way). */
export function packRepository(work: string): Packed {
  const checkout = path.join(work, 'checkout');
  mkdirSync(checkout);
  for (const file of ['package.json', 'tsconfig.json', 'engine', 'README.md', 'LICENSE', 'CHANGELOG.md']) cpSync(path.join(root, file), path.join(checkout, file), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
  // `npm pack` runs the prepack script, which builds the library into dist/.
  const report = JSON.parse(run(checkout, 'npm', ['pack', '--json', '--pack-destination', work, '--loglevel=error']))[0] as { filename: string; files: { path: string }[] };
  const tarball = path.join(work, 'rivulet.tgz');
  renameSync(path.join(work, report.filename), tarball);
  // After packing, the copy's package.json is the repository's again (postpack).
  if (readFileSync(path.join(checkout, 'package.json'), 'utf8') !== readFileSync(path.join(root, 'package.json'), 'utf8')) {
    throw new Error("npm pack left the copy's package.json changed: the postpack step (engine/build/library.ts --postpack) did not put it back");
  }
  return { tarball, files: report.files };
}
