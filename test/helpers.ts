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
