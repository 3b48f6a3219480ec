// Shared test utilities.
import { spawnSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'difflab-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** ||a - b|| / max(||a||, ||b||, tiny): the relative error of two vectors. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(na), Math.sqrt(nb), 1e-30);
}

const bin = new URL('../../bin/difflab.js', import.meta.url).pathname;
/** Runs the difflab binary as a user would; returns its exit code and output. */
export function difflab(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, DIFFLAB_DEBUG: '' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/**
 * Collects JS garbage now (typed arrays of features and samples are freed only by V8's GC, and would otherwise
 * look like growth in a resident-memory check), then returns the resident set size in MiB.
 */
export function rssAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().rss / 2 ** 20;
}

/** The "(default: X)" of each option in a help text (short aliases such as "-n, --n" included), by option name. */
export function helpDefaultsOf(help: string): Map<string, string> {
  return new Map(
    [...help.matchAll(/^\s+(?:-\w, )?--([\w-]+)(?: VALUE)?\s+.*\(default: (.*)\)$/gm)].map((m) => [m[1]!, m[2]!]),
  );
}

/** The "(default: X)" of each option in a command's help, read from the running CLI. */
export function helpDefaults(...command: string[]): Map<string, string> {
  const r = difflab(...command, '--help');
  if (r.code !== 0) throw new Error(`difflab ${command.join(' ')} --help exited ${r.code}: ${r.stderr}`);
  return helpDefaultsOf(r.stdout);
}
