/**
 * The pipeline in the editor as a project of its own (issue 16, item 7): a Node script or a
 * minimal Vite app that imports the package by its name, `rivulet` and its subpath entries, as
 * any project does, with a package.json whose `npm install && npm start` runs it. The run
 * settings go into the code where they mean something outside the playground (adaptPipeline.ts).
 */
import { devDependencies, version } from '../../../../package.json';
import type { ClockMode, Speed } from '../../protocol.ts';
import { adaptPipeline } from './adaptPipeline.ts';
import { pipelineShape } from './pipelineShape.ts';

export type ExportTarget = 'node' | 'vite';

export interface ExportSettings {
  mode: ClockMode;
  speed: Speed;
}

export interface ExportedProject {
  /** The project's folder (and package) name: `rivulet-wordcount-node`. */
  name: string;
  /** Path in the project → text. */
  files: Record<string, string>;
  /** What the export did with the settings and the code, for the dialog and the README. */
  notes: string[];
}

/** The version range of a package the repository itself uses (its package.json), for the project's package.json. */
function range(name: keyof typeof devDependencies): string {
  return devDependencies[name];
}

/** The packages a subpath entry needs beside rivulet (its optional peer dependencies), per target. */
const PEERS: Record<string, Record<ExportTarget, (keyof typeof devDependencies)[]>> = {
  'rivulet/mqtt': { node: ['mqtt'], vite: ['mqtt'] },
  'rivulet/nats': { node: ['@nats-io/jetstream', '@nats-io/nats-core', '@nats-io/transport-node'], vite: ['@nats-io/jetstream', '@nats-io/nats-core'] },
  'rivulet/redis': { node: ['ioredis'], vite: ['ioredis'] },
};

/**
 * `code` as a project for `target`. `example`: the example it came from (its id names the
 * project, its title heads the README and the page), if any.
 */
export function exportProject(code: string, settings: ExportSettings, target: ExportTarget, example?: { id: string; title: string }): ExportedProject {
  const name = `rivulet-${example?.id ?? 'pipeline'}-${target}`;
  const title = example?.title ?? 'A Rivulet pipeline';
  const adapted = adaptPipeline(code, {
    virtualSpeed: settings.mode === 'virtual' ? settings.speed : undefined,
    workerEntry: target === 'vite' ? './rivulet.worker.ts' : undefined,
  });
  const sources = new Set(pipelineShape(adapted.code).imports.map((i) => i.source));
  const dependencies: Record<string, string> = { rivulet: `^${version}`, rxjs: range('rxjs') };
  for (const [entry, peers] of Object.entries(PEERS)) if (sources.has(entry)) for (const p of peers[target]) dependencies[p] = range(p);
  const notes = [...adapted.notes];
  if (target === 'vite' && sources.has('rivulet/redis')) notes.push('rivulet/redis runs in Node only (Redis has no WebSocket listener): export a Node script for it.');
  const sorted = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  const json = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;

  if (target === 'node') {
    return {
      name,
      notes,
      files: {
        'package.json': json({
          name,
          private: true,
          type: 'module',
          scripts: { start: 'tsx pipeline.ts', typecheck: 'tsc --noEmit' },
          dependencies: sorted(dependencies),
          devDependencies: sorted({ tsx: range('tsx'), typescript: range('typescript'), '@types/node': range('@types/node') }),
        }),
        'tsconfig.json': json({
          compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'], strict: true, noEmit: true, skipLibCheck: true },
          include: ['pipeline.ts'],
        }),
        'pipeline.ts': adapted.code,
        'README.md': readme(title, name, target, notes),
      },
    };
  }
  const files: Record<string, string> = {
    'package.json': json({
      name,
      private: true,
      type: 'module',
      scripts: { start: 'vite', build: 'vite build', preview: 'vite preview', typecheck: 'tsc --noEmit' },
      dependencies: sorted(dependencies),
      devDependencies: sorted({ vite: range('vite'), typescript: range('typescript') }),
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        module: 'ESNext',
        moduleResolution: 'bundler',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        types: ['vite/client'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        isolatedModules: true,
        allowImportingTsExtensions: true,
      },
      include: ['src'],
    }),
    'index.html': indexHtml(title),
    'src/main.ts': MAIN_TS,
    'src/showConsole.ts': SHOW_CONSOLE_TS,
    'src/pipeline.ts': adapted.code,
    'README.md': readme(title, name, target, notes),
  };
  if (adapted.usesWorkerEntry) files['src/rivulet.worker.ts'] = WORKER_TS;
  return { name, notes, files };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

function indexHtml(title: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)} · Rivulet</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 16px; color: #0f172a; }
      #status { color: #475569; }
      #output { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; background: #f8fafc; border: 1px solid #e2e8f0; padding: 8px; white-space: pre-wrap; }
    </style>
  </head>
  <body>
    <h1>${escapeHtml(title)}</h1>
    <p id="status">starting</p>
    <pre id="output"></pre>
    <script type="module" src="/src/main.ts"></script>
  </body>
</html>
`;
}

const MAIN_TS = `// The page: shows what the pipeline (src/pipeline.ts) prints, then runs it.
import { showConsole } from './showConsole.ts';

const status = document.querySelector<HTMLParagraphElement>('#status')!;
showConsole(document.querySelector<HTMLPreElement>('#output')!);

status.textContent = 'running';
// Loaded once the console shows on the page. Its promise settles when the module's code has run
// to its end (a pipeline that awaits its termination settles when it stops).
import('./pipeline.ts').then(
  () => (status.textContent = 'running (the pipeline has started)'),
  (e: unknown) => {
    status.textContent = 'failed';
    console.error(e);
  },
);
`;

const SHOW_CONSOLE_TS = `/**
 * print() and console.log write to the browser's console; from now on each line also goes to
 * \`output\`, as the playground's Console shows it (the last \`maxLines\` lines).
 */
export function showConsole(output: HTMLElement, maxLines = 2000): void {
  const lines: string[] = [];
  const text = (x: unknown) => (typeof x === 'string' ? x : x instanceof Error ? (x.stack ?? x.message) : (JSON.stringify(x) ?? String(x)));
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    const write = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      write(...args);
      lines.push(...args.map(text).join(' ').split('\\n'));
      if (lines.length > maxLines) lines.splice(0, lines.length - maxLines);
      output.textContent = lines.join('\\n');
    };
  }
}
`;

const WORKER_TS = `// The executors' worker entry: a StreamingContext with \`workers\` starts them from here
// (createWorker in pipeline.ts). Each loads the same pipeline, whose functions the page's tasks
// name by their place in it, then serves them. See Rivulet's docs/workers.md.
import { loadPipeline } from 'rivulet/worker';

loadPipeline(() => import('./pipeline.ts'));
`;

function readme(title: string, name: string, target: ExportTarget, notes: string[]): string {
  const run =
    target === 'node'
      ? ['```sh', 'npm install', 'npm start          # tsx pipeline.ts: prints every batch; Ctrl+C stops it', 'npm run typecheck  # tsc --noEmit', '```']
      : [
          '```sh',
          'npm install',
          "npm start          # Vite's dev server: open the URL it prints; the page shows what the pipeline prints",
          'npm run build      # the static site, in dist/ (npm run preview serves it)',
          'npm run typecheck  # tsc --noEmit',
          '```',
        ];
  const where = target === 'node' ? '`pipeline.ts`' : '`src/pipeline.ts` (the page is `index.html` and `src/main.ts`)';
  return [
    `# ${title}`,
    '',
    `Exported from the Rivulet playground as ${target === 'node' ? 'a Node script' : 'a Vite app'} (\`${name}\`). The pipeline is ${where}; it imports`,
    '`rivulet` and its subpath entries (`rivulet/playground`, `rivulet/mqtt`…) as any project does.',
    '',
    ...run,
    '',
    '## From the playground',
    '',
    ...notes.map((n) => `- ${n}`),
    '- What the playground adds around a run stays there: Pause and Step, the batch views, the Checkpoints switch (call `ssc.checkpoint(…)` for checkpoints).',
    '',
  ].join('\n');
}
