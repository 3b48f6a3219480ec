// Runs a Python snippet under Debian's python3-torch (same libtorch 1.13 as the addon) and returns its JSON.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * /usr/bin/python3 is Debian's (which can import torch); the python3 first on PATH may be another build.
 * DIFFLAB_PYTHON names another (a GPU machine's PyTorch).
 */
export const debianPython = process.env.DIFFLAB_PYTHON ?? '/usr/bin/python3';

export function runPyTorch<T>(script: string, env: Record<string, string> = {}): T | null {
  if (!existsSync(debianPython)) return null;
  try {
    const out = execFileSync(debianPython, ['-c', script], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out.trim().split('\n').pop()!) as T;
  } catch (e) {
    console.error(
      `PyTorch side skipped: ${(e as Error).message.split('\n')[0]} (install python3-torch: bash scripts/setup.sh --bench)`,
    );
    return null;
  }
}
