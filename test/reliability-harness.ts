// The reliability corpus (docs/RELIABILITY.md): bad inputs and faults as data, every case judged the same way.
// No crash (the CLI answers with exit 0, 1 or 2 and its worker survives), no hang (each case has a time limit and
// a hung worker is terminated), no partial file (what a failed case names is absent, no temporary is left, and
// what must stay is byte for byte the same), no wrong success (the exit code is the expected one), and the
// message: one line that names the option or the file.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';

/** The corpus's categories, as docs/RELIABILITY.md counts them. */
export type Category =
  | 'options'
  | 'combinations'
  | 'resources'
  | 'images'
  | 'picture files'
  | 'folders'
  | 'architectures'
  | 'evaluators'
  | 'model files'
  | 'mixtures'
  | 'outputs'
  | 'runs'
  | 'server';

export interface CliCase {
  category: Category;
  args: string[];
  /** 0: a success that must say something (a warning); 1: a runtime failure; 2: a usage error. */
  code: 0 | 1 | 2;
  /** What the message (a failure's one line; a success's output) must match. */
  message: RegExp;
  /** The option or the file the message must name. */
  names: string;
  /** Paths that must not exist afterwards (the case's outputs). */
  absent?: string[];
  /** Files that must be byte for byte the same afterwards. */
  unchanged?: string[];
  /** Default 60 s. */
  timeoutMs?: number;
  /** More to check afterwards (what a success must have written). */
  check?: () => void;
}

/** A command that prepares later cases (a training run to resume); it must succeed. Not a case. */
export interface Setup {
  setup: string;
  args: string[];
  /** Runs after the command (copies, damage). */
  then?: () => void;
}

/** A fault met below the CLI: run() must throw one line that matches and names `names`, leaving `absent` absent. */
export interface FaultCase {
  category: Category;
  name: string;
  run: () => unknown;
  message: RegExp;
  names: string;
  absent?: string[];
}

type Answer = { code: number | string; stdout: string; stderr: string } | { failure: string };

/** main() in a worker thread, one case at a time; a hung or dead worker is replaced by a fresh one. */
class CliWorker {
  #worker: Worker | null = null;

  run(args: string[], timeoutMs: number): Promise<Answer> {
    const worker = (this.#worker ??= new Worker(new URL('./reliability-worker.js', import.meta.url), {
      stderr: false,
    }));
    return new Promise((resolve) => {
      const done = (a: Answer, drop: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (drop) {
          this.#worker = null;
          void worker.terminate();
        }
        resolve(a);
      };
      const onMessage = (m: Answer) => done(m, false);
      const onError = (e: Error) => done({ failure: `crash: ${e.message}` }, true);
      const onExit = (code: number) => done({ failure: `crash: the worker exited with code ${code}` }, true);
      const timer = setTimeout(() => done({ failure: `hang: no answer in ${timeoutMs} ms` }, true), timeoutMs);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage(args);
    });
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = null;
  }
}

/** Checks an answer against its case (see the file's header). */
function judge(c: CliCase, a: Answer, before: Map<string, Buffer>): void {
  if ('failure' in a) assert.fail(a.failure);
  assert.equal(typeof a.code, 'number', String(a.code));
  assert.equal(a.code, c.code, `exit ${a.code}, expected ${c.code}:\n${a.stderr}${a.stdout}`);
  if (c.code === 0) {
    assert.match(a.stdout + a.stderr, c.message);
    assert.ok((a.stdout + a.stderr).includes(c.names), `the output does not name ${c.names}`);
  } else {
    const lines = a.stderr.trimEnd().split('\n');
    const error = lines.at(-1)!;
    assert.match(error, /^difflab: error: /, `the last line is not the error: ${a.stderr}`);
    for (const l of lines.slice(0, -1)) assert.match(l, /^(warning|note): /, `an extra line besides the error: ${l}`);
    assert.match(error, c.message);
    assert.ok(error.includes(c.names), `the message does not name ${c.names}: ${error}`);
  }
  for (const p of c.absent ?? []) {
    assert.equal(existsSync(p), false, `${p} was left behind`);
    const dir = dirname(p);
    const temporaries =
      existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir).filter((f) => f.endsWith('.tmp')) : [];
    assert.deepEqual(temporaries, [], `temporary files left in ${dir}`);
  }
  for (const [p, bytes] of before) assert.ok(readFileSync(p).equals(bytes), `${p} was changed`);
}

/** Registers one test per case (and setup), run in order on one worker. */
export function cliCases(cases: readonly (CliCase | Setup)[]): void {
  const worker = new CliWorker();
  cases.forEach((c, i) => {
    if ('setup' in c) {
      test(`setup: ${c.setup}`, async () => {
        const a = await worker.run(c.args, 120_000);
        assert.ok(!('failure' in a) && a.code === 0, `setup failed: ${JSON.stringify(a)}`);
        c.then?.();
      });
      return;
    }
    test(`${c.category} ${i}: difflab ${c.args.join(' ').slice(0, 160)}`, async () => {
      const before = new Map((c.unchanged ?? []).map((p) => [p, readFileSync(p)]));
      for (const p of c.absent ?? [])
        assert.equal(existsSync(p), false, `${p} exists before the case (an earlier case wrote it)`);
      judge(c, await worker.run(c.args, c.timeoutMs ?? 60_000), before);
      c.check?.();
    });
  });
  test('close the worker', () => worker.close());
}

/** Registers one test per fault case. */
export function faultCases(cases: readonly FaultCase[]): void {
  for (const c of cases) {
    test(`${c.category}: ${c.name}`, () => {
      let message: string | null = null;
      try {
        c.run();
      } catch (e) {
        message = (e as Error).message;
      }
      assert.ok(message !== null, 'a wrong success: it did not fail');
      assert.equal(message.split('\n').length, 1, `more than one line: ${message}`);
      assert.match(message, c.message);
      assert.ok(message.includes(c.names), `the message does not name ${c.names}: ${message}`);
      for (const p of c.absent ?? []) assert.equal(existsSync(p), false, `${p} was left behind`);
    });
  }
}

/** Counts cases by category: the corpus's size as docs/RELIABILITY.md reports it (see countsMatchDocs). */
export function countByCategory(categories: readonly Category[]): Map<Category, number> {
  const counts = new Map<Category, number>();
  for (const c of categories) counts.set(c, (counts.get(c) ?? 0) + 1);
  return counts;
}

/** The table in docs/RELIABILITY.md states each category's count: it must be this file's. */
export function countsMatchDocs(categories: readonly Category[]): void {
  test('docs/RELIABILITY.md counts these cases', () => {
    const doc = readFileSync(new URL('../../docs/RELIABILITY.md', import.meta.url), 'utf8');
    for (const [category, n] of countByCategory(categories)) {
      const row = new RegExp(`^\\| ${category} \\| (\\d+) \\|`, 'm').exec(doc);
      assert.ok(row, `docs/RELIABILITY.md has no row for ${category}`);
      assert.equal(Number(row[1]), n, `docs/RELIABILITY.md says ${row[1]} ${category} cases; there are ${n}`);
    }
  });
}
