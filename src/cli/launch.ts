// `difflab train --nproc N`: starts N ranks of the same command on this machine, as torchrun would (MASTER_ADDR,
// MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK), with the cores split between them, and waits for them. Rank 0 keeps
// the terminal (progress bar, messages); the others speak only when they fail. The first rank to fail stops the
// job: the others are told to stop, and the exit code is that rank's. A rank that hangs is caught by the process
// group's timeout (DIFFLAB_DIST_TIMEOUT seconds, default 300) in the ranks waiting for it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { defaultNumThreads } from '../index.js';

const bin = fileURLToPath(new URL('../../../bin/difflab.js', import.meta.url));

/** The exit code of a rank that stopped on request (SIGINT/SIGTERM) after saving a checkpoint. */
const STOPPED = 130;

/** A TCP port free on loopback right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The command line without `--nproc N` / `--nproc=N`. */
export function withoutNproc(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--nproc') {
      i++;
      continue;
    }
    if (argv[i]!.startsWith('--nproc=')) continue;
    out.push(argv[i]!);
  }
  return out;
}

/** Runs argv (a difflab command line) as nproc ranks; resolves to the job's exit code. */
export async function launchRanks(nproc: number, argv: readonly string[]): Promise<number> {
  const port = await freePort();
  const threads = Math.max(1, Math.floor(defaultNumThreads() / nproc));
  const children: ChildProcess[] = [];
  const failures: { rank: number; code: number; why: string; killed: boolean }[] = [];
  let stopping = false,
    stoppedCleanly = false;
  const sent = new Map<ChildProcess, NodeJS.Signals>(); // what this launcher sent each rank
  const stop = (c: ChildProcess, signal: NodeJS.Signals) => {
    sent.set(c, signal);
    c.kill(signal);
  };
  const forward = (signal: NodeJS.Signals) => () => {
    for (const c of children) stop(c, signal);
  };
  // Ctrl+C reaches every rank from the terminal (one process group): the launcher only waits. SIGTERM is sent to
  // the launcher alone (kill, a scheduler): it passes it on. Each rank stops at the same step and rank 0 saves.
  const onInt = () => {},
    onTerm = forward('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    const exits = Array.from(
      { length: nproc },
      (_, rank) =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, [bin, ...argv], {
            env: {
              ...process.env,
              MASTER_ADDR: '127.0.0.1',
              MASTER_PORT: String(port),
              WORLD_SIZE: String(nproc),
              RANK: String(rank),
              LOCAL_RANK: String(rank),
              DIFFLAB_THREADS: String(threads),
            },
            // The IPC channel is how a rank learns that this launcher is gone (killed with SIGKILL): it stops as on
            // SIGTERM instead of training on as an orphan.
            stdio: rank === 0 ? ['inherit', 'inherit', 'inherit', 'ipc'] : ['ignore', 'ignore', 'pipe', 'ipc'],
          });
          let stderr = '';
          child.stderr?.on('data', (d: Buffer) => {
            stderr += d.toString();
          });
          child.on('exit', (code, signal) => {
            if (code === STOPPED) {
              stoppedCleanly = true;
              resolve();
              return;
            } // asked to stop: checkpoint written
            if (code !== 0 || signal) {
              const why = signal
                ? `was killed by ${signal}`
                : `exited with code ${code}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`;
              failures.push({ rank, code: code ?? 1, why, killed: signal !== null && signal !== sent.get(child) });
              if (!stopping) {
                stopping = true;
                // Stop the others: politely, then for good (a hung or stopped rank ignores SIGTERM). Every checkpoint
                // is written atomically, so a kill never leaves half a file.
                for (const c of children) if (c !== child && c.exitCode === null) stop(c, 'SIGTERM');
                setTimeout(() => {
                  for (const c of children) if (c.exitCode === null && c.signalCode === null) stop(c, 'SIGKILL');
                }, 10_000).unref();
              }
            }
            resolve();
          });
          children.push(child);
        }),
    );
    await Promise.all(exits);
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  // The cause, not its echo: a rank killed by a signal this launcher did not send, else the first to fail.
  const f = failures.find((x) => x.killed) ?? failures[0];
  if (!f) return stoppedCleanly ? STOPPED : 0;
  console.error(
    `difflab: error: rank ${f.rank} of ${nproc} ${f.why}; the job stopped (resume it from its last checkpoint with --resume)`,
  );
  return f.code === 0 ? 1 : f.code;
}
