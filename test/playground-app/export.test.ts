/**
 * The playground's exporter (playground/src/lib/export), on its own: the run settings written into
 * the pipeline's code as a project outside the playground needs them, and the project's files.
 * Code in, code out. (test/e2e/playground-export.test.ts runs what it exports.)
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adaptPipeline } from '../../playground/src/lib/export/adaptPipeline.ts';
import { exportProject } from '../../playground/src/lib/export/exportProject.ts';
import { ExportSyntaxError } from '../../playground/src/lib/export/pipelineShape.ts';
import { exampleInfo } from '../../playground/src/lib/exampleInfo.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const version = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version as string;

const WORDS = `// Words: counted.
import { StreamingContext, Seconds } from 'rivulet';

const ssc = new StreamingContext({ batchInterval: Seconds(1) });
ssc.queueStream([['a b']]).flatMap((l) => l.split(' ')).countByValue().print();
ssc.start();
`;

describe('adaptPipeline', () => {
  it('virtual time: a ManualClock played at the speed, imported from the package, given to the context as its scheduler', () => {
    const { code, notes } = adaptPipeline(WORDS, { virtualSpeed: 10 });
    expect(code).toBe(`// Words: counted.
import { StreamingContext, Seconds, ManualClock } from 'rivulet';
import { playClock } from 'rivulet/playground';

// Virtual time, as the playground ran this (its Clock and Speed): a ManualClock that playClock
// moves on at 10× real time. For the wall clock, delete these two lines and \`scheduler: clock\`.
const clock = new ManualClock();
playClock(clock, { speed: 10 });

const ssc = new StreamingContext({ scheduler: clock, batchInterval: Seconds(1) });
ssc.queueStream([['a b']]).flatMap((l) => l.split(' ')).countByValue().print();
ssc.start();
`);
    expect(notes).toEqual(['Virtual time at 10× real time: a ManualClock played by playClock (rivulet/playground), given to the StreamingContext as `scheduler`.']);
  });

  it("real time: the code as it was (the wall clock is the context's default)", () => {
    expect(adaptPipeline(WORDS, {})).toEqual({ code: WORDS, notes: ['Real time: the StreamingContext runs on the wall clock, its default.'], usesWorkerEntry: false });
  });

  it.each([
    ['max', "playClock(clock, { speed: 'max' });", 'as fast as its batches complete'],
    [1, 'playClock(clock, { speed: 1 });', 'at real time'],
    [100, 'playClock(clock, { speed: 100 });', 'at 100× real time'],
  ] as const)('speed %s', (speed, call, pace) => {
    const { code } = adaptPipeline(WORDS, { virtualSpeed: speed });
    expect(code).toContain(`\n${call}\n`);
    expect(code).toContain(`moves on ${pace}.`);
  });

  it('merges into the imports there are, and adds the ones there are not', () => {
    const code = `import { StreamingContext, type State } from 'rivulet';
import { clickStream } from 'rivulet/playground';
const ssc = new StreamingContext({ batchInterval: 1000 });
clickStream(ssc).print();
`;
    const out = adaptPipeline(code, { virtualSpeed: 10 }).code.split('\n');
    expect(out.slice(0, 2)).toEqual(["import { StreamingContext, type State, ManualClock } from 'rivulet';", "import { clickStream, playClock } from 'rivulet/playground';"]);
    // A namespace import: the names come in an import of their own.
    const ns = adaptPipeline(`import * as r from 'rivulet';\nconst ssc = new r.StreamingContext({ batchInterval: 1000 });\n`, { virtualSpeed: 'max' }).code;
    expect(ns).toBe(`import * as r from 'rivulet';
import { ManualClock } from 'rivulet';
import { playClock } from 'rivulet/playground';

// Virtual time, as the playground ran this (its Clock and Speed): a ManualClock that playClock
// moves on as fast as its batches complete. For the wall clock, delete these two lines and \`scheduler: clock\`.
const clock = new ManualClock();
playClock(clock, { speed: 'max' });

const ssc = new r.StreamingContext({ scheduler: clock, batchInterval: 1000 });
`);
  });

  it('follows the layout of the options: one per line, empty, or a variable (whose own options win)', () => {
    const code = `import { StreamingContext as SC } from 'rivulet';
const options = { batchInterval: 1000 };
const a = new SC({
  batchInterval: 1000,
  defaultParallelism: 3,
});
const b = new SC(options), c = new SC({});
`;
    const out = adaptPipeline(code, { virtualSpeed: 10 }).code;
    expect(out).toContain(`const a = new SC({
  scheduler: clock,
  batchInterval: 1000,
  defaultParallelism: 3,
});
const b = new SC({ scheduler: clock, ...options }), c = new SC({ scheduler: clock });`);
  });

  it("leaves a context that has a scheduler of its own on it (as the playground does), and picks a free name for the clock", () => {
    const own = `import { StreamingContext, ManualClock } from 'rivulet';
const clock = new ManualClock();
const ssc = new StreamingContext({ batchInterval: 1000, scheduler: clock });
const other = new StreamingContext({ batchInterval: 500 });
`;
    const out = adaptPipeline(own, { virtualSpeed: 10 });
    expect(out.code).toContain('const clock2 = new ManualClock();\nplayClock(clock2, { speed: 10 });');
    expect(out.code).toContain('new StreamingContext({ batchInterval: 1000, scheduler: clock })');
    expect(out.code).toContain('new StreamingContext({ scheduler: clock2, batchInterval: 500 })');
    // ManualClock is imported already: not twice.
    expect(out.code.match(/^import .*\bManualClock\b/gm)).toHaveLength(1);
  });

  it('says what it could not do: options it cannot add to', () => {
    const out = adaptPipeline(`import { StreamingContext } from 'rivulet';\nconst ssc = new StreamingContext(makeOptions());\n`, { virtualSpeed: 10 });
    expect(out.notes).toEqual(['Line 2: give this StreamingContext `scheduler` yourself (its options are not an object literal the export can add to).']);
    expect(out.code).not.toContain('playClock');
  });

  it('in a browser app, a context with workers starts them from the worker entry; in Node they need nothing', () => {
    const code = `import { StreamingContext } from 'rivulet';\nconst ssc = new StreamingContext({ batchInterval: 1000, workers: 2 });\n`;
    const app = adaptPipeline(code, { workerEntry: './rivulet.worker.ts' });
    expect(app.code).toContain("new StreamingContext({ createWorker: () => new Worker(new URL('./rivulet.worker.ts', import.meta.url), { type: 'module' }), batchInterval: 1000, workers: 2 })");
    expect(app.usesWorkerEntry).toBe(true);
    expect(adaptPipeline(WORDS, { workerEntry: './rivulet.worker.ts' }).usesWorkerEntry).toBe(false);
  });

  it('refuses code that does not parse, saying so', () => {
    expect(() => adaptPipeline('const x = ;', {})).toThrow(ExportSyntaxError);
    expect(() => adaptPipeline('const x = ;', {})).toThrow(/^The code does not parse \(.+\): fix it, then export\.$/);
  });
});

describe('exportProject', () => {
  const mqtt = readFileSync(path.join(root, 'playground/examples/7-mqtt.ts'), 'utf8');

  it('a Node script: pipeline.ts run by `npm start` (tsx), rivulet and the clients its imports need as dependencies', () => {
    const p = exportProject(mqtt, { mode: 'realtime', speed: 10 }, 'node', { id: 'mqtt', title: 'MQTT over WebSocket' });
    expect(p.name).toBe('rivulet-mqtt-node');
    expect(Object.keys(p.files)).toEqual(['package.json', 'tsconfig.json', 'pipeline.ts', 'README.md']);
    const pkg = JSON.parse(p.files['package.json']!);
    expect(pkg.scripts.start).toBe('tsx pipeline.ts');
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.dependencies)).toEqual(['mqtt', 'rivulet', 'rxjs']);
    expect(pkg.dependencies.rivulet).toBe(`^${version}`);
    expect(p.files['pipeline.ts']).toBe(mqtt);
    expect(p.files['README.md']).toContain('# MQTT over WebSocket');
  });

  it('a Vite app: index.html, src/main.ts showing what it prints, src/pipeline.ts, `npm start` running vite', () => {
    const p = exportProject(WORDS, { mode: 'virtual', speed: 'max' }, 'vite');
    expect(p.name).toBe('rivulet-pipeline-vite');
    expect(Object.keys(p.files).sort()).toEqual(['README.md', 'index.html', 'package.json', 'src/main.ts', 'src/pipeline.ts', 'src/showConsole.ts', 'tsconfig.json']);
    const pkg = JSON.parse(p.files['package.json']!);
    expect(pkg.scripts).toMatchObject({ start: 'vite', build: 'vite build' });
    expect(Object.keys(pkg.dependencies)).toEqual(['rivulet', 'rxjs']);
    expect(Object.keys(pkg.devDependencies)).toEqual(['typescript', 'vite']);
    expect(p.files['index.html']).toContain('<script type="module" src="/src/main.ts"></script>');
    expect(p.files['src/pipeline.ts']).toContain("playClock(clock, { speed: 'max' });");
    const withWorkers = exportProject(WORDS.replace('batchInterval: Seconds(1)', 'batchInterval: Seconds(1), workers: 2'), { mode: 'realtime', speed: 10 }, 'vite');
    expect(withWorkers.files['src/rivulet.worker.ts']).toContain("loadPipeline(() => import('./pipeline.ts'));");
  });
});

describe('the gallery (playground/examples)', () => {
  const dir = path.join(root, 'playground/examples');
  it('gives every example a title and a one-line description, from its first comment line', () => {
    const infos = readdirSync(dir)
      .sort()
      .map((f) => exampleInfo(f, readFileSync(path.join(dir, f), 'utf8')));
    expect(infos.map((e) => [e.id, e.title])).toEqual([
      ['wordcount', 'Word count'],
      ['windowed-top-k', 'Windowed top-K'],
      ['sessions', 'Sessions with mapWithState'],
      ['join', 'A join of two streams'],
      ['click-stream', 'A click-stream'],
      ['websocket', 'A WebSocket source'],
      ['mqtt', 'MQTT over WebSocket'],
    ]);
    for (const e of infos) expect(e.description, e.id).toMatch(/^.{20,100}$/);
    expect(infos.filter((e) => e.needs).map((e) => [e.id, e.needs])).toEqual([
      ['websocket', 'a WebSocket server'],
      ['mqtt', 'an MQTT broker'],
    ]);
  });

  it('refuses an example without its description', () => {
    expect(() => exampleInfo('8-x.ts', '// Just a title\nconst x = 1;\n')).toThrow('8-x.ts: the first comment line must be "// Title: one-line description.", found "Just a title"');
  });
});
