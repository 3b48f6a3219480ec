// Data-parallel training over c10d/Gloo: N ranks give one process's run, a lost or hung rank ends the job with a
// clear error, and a stopped job resumes with any number of ranks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { distributedAvailable, processGroupFromEnv, ProcessGroup, tensor } from '../src/index.js';
import { lossSteps, tinyTraining, weightGap } from './distributed-helpers.js';
import { difflab, tempDir } from './helpers.js';

const bin = new URL('../../bin/difflab.js', import.meta.url).pathname;
const tiny = tinyTraining;

/** Pids of the ranks a launcher started, by RANK. */
function rankPids(parent: number): Map<number, number> {
  const out = new Map<number, number>();
  const kids = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);
  for (const pid of kids.map(Number)) {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const rank = env.find((e) => e.startsWith('RANK='));
    if (rank) out.set(Number(rank.slice(5)), pid);
  }
  return out;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the engine was built with c10d/Gloo, and the environment of a launcher is read and checked', () => {
  assert.ok(distributedAvailable());
  assert.equal(processGroupFromEnv({}), null);
  assert.deepEqual(processGroupFromEnv({ WORLD_SIZE: '2', RANK: '1', MASTER_ADDR: 'node0', MASTER_PORT: '29500' }), {
    rank: 1,
    worldSize: 2,
    masterAddr: 'node0',
    masterPort: 29500,
  });
  assert.throws(
    () => processGroupFromEnv({ WORLD_SIZE: '2', RANK: '2', MASTER_ADDR: 'a', MASTER_PORT: '1' }),
    /RANK 2 is not below WORLD_SIZE 2/,
  );
  assert.throws(() => processGroupFromEnv({ WORLD_SIZE: '2', RANK: '0', MASTER_PORT: '1' }), /MASTER_ADDR is not set/);
  // A group of one works in-process: all-reduce and broadcast leave the values as they are.
  const g = ProcessGroup.join({ rank: 0, worldSize: 1, masterAddr: '127.0.0.1', masterPort: 0 });
  const t = tensor([1, 2, 3]);
  g.allReduceSum([t]);
  g.broadcast([t]);
  g.barrier();
  assert.deepEqual([...t.toFloat32Array()], [1, 2, 3]);
  // The scale rides on the result: one contiguous tensor, and several tensors through the flat bucket (a strided
  // one among them).
  const u = tensor([4, 5, 6, 7], [2, 2]).transpose(0, 1);
  g.allReduceSum([t], 0.5);
  assert.deepEqual([...t.toFloat32Array()], [0.5, 1, 1.5]);
  g.allReduceSum([t, u], 2);
  assert.deepEqual([...t.toFloat32Array()], [1, 2, 3]);
  assert.deepEqual([...u.toFloat32Array()], [8, 12, 10, 14]);
  u.dispose();
  g.destroy();
  assert.throws(() => g.barrier(), /rank 0: the process group was destroyed/);
  t.dispose();
});

test('2 ranks x global batch 16 train the same weights as 1 process x 16 (torchrun-style environment too)', async () => {
  const dir = tempDir();
  const one = join(dir, 'one'),
    two = join(dir, 'two'),
    env2 = join(dir, 'env');
  assert.equal(difflab(...tiny(one, '--steps', '20')).code, 0);
  const r = difflab(...tiny(two, '--steps', '20', '--nproc', '2'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /finished at step 20/);
  // Same float32 math on 8 + 8 rows as on 16, summed in another order (per-rank means, then the all-reduce):
  // agreement to float32 rounding accumulated over 20 AdamW steps, ~1e-7 seen; 1e-5 leaves room and still
  // catches a wrong split (a rank seeing the wrong rows or noise moves the weights by ~1e-2).
  const gap = weightGap(join(one, 'model.safetensors'), join(two, 'model.safetensors'));
  assert.ok(gap < 1e-5, `weights differ by ${gap}`);
  // What torchrun --no-python would do: start each rank with the standard variables, no --nproc.
  const port = 20000 + Math.floor(Math.random() * 20000);
  const ranks = [0, 1].map(
    (rank) =>
      new Promise<number>((resolve) => {
        const c = spawn(process.execPath, [bin, ...tiny(env2, '--steps', '20')], {
          env: {
            ...process.env,
            MASTER_ADDR: '127.0.0.1',
            MASTER_PORT: String(port),
            WORLD_SIZE: '2',
            RANK: String(rank),
            LOCAL_RANK: String(rank),
            DIFFLAB_THREADS: '1',
          },
          stdio: 'ignore',
        });
        c.on('exit', (code) => resolve(code ?? -1));
      }),
  );
  assert.deepEqual(await Promise.all(ranks), [0, 0]);
  assert.equal(
    weightGap(join(two, 'model.safetensors'), join(env2, 'model.safetensors')),
    0,
    'the same ranks give the same bits',
  );
});

test('a killed rank ends the job with one line naming it; the run resumes with 1 or 2 processes', async () => {
  const dir = tempDir();
  const out = join(dir, 'run');
  const job = spawn(
    process.execPath,
    [bin, ...tiny(out, '--steps', '2000', '--checkpoint-every', '10', '--nproc', '2')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  job.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => job.on('exit', (code) => resolve(code ?? -1)));
  const ckpts = join(out, 'checkpoints');
  await waitFor(() => existsSync(ckpts) && readdirSync(ckpts).some((f) => f.endsWith('.safetensors')), 60_000);
  const pids = rankPids(job.pid!);
  assert.equal(pids.size, 2);
  process.kill(pids.get(1)!, 'SIGKILL');
  const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-99), 30_000))]);
  assert.notEqual(code, 0);
  assert.notEqual(code, -99, 'the job did not stop within 30 s');
  const last = stderr.trim().split('\n').pop()!;
  assert.match(last, /^difflab: error: rank 1 of 2 was killed by SIGKILL; the job stopped/);
  assert.ok(
    readdirSync(ckpts).every((f) => f.endsWith('.safetensors')),
    `only whole checkpoints: ${readdirSync(ckpts).join(', ')}`,
  );
  const saved = Math.max(...readdirSync(ckpts).map((f) => Number(/(\d+)/.exec(f)![1])));
  for (const nproc of ['1', '2']) {
    const target = saved + 10 * Number(nproc);
    // Fewer steps than the killed run's 2000 change its learning-rate schedule: a change to allow explicitly.
    const r = difflab(
      ...tiny(
        out,
        '--steps',
        String(target),
        '--checkpoint-every',
        '10',
        '--resume',
        '--allow-change',
        '--nproc',
        nproc,
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`finished at step ${target}`));
  }
  const rows = lossSteps(out);
  assert.deepEqual(
    rows,
    Array.from({ length: rows.length }, (_, i) => i + 1),
    'loss.csv holds each step once, in order',
  );
});

test('a hung rank is caught by the group timeout in the ranks waiting for it', async () => {
  const dir = tempDir();
  const job = spawn(
    process.execPath,
    [bin, ...tiny(join(dir, 'run'), '--steps', '2000', '--checkpoint-every', '1000', '--nproc', '2')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DIFFLAB_DIST_TIMEOUT: '3' },
    },
  );
  let stderr = '';
  job.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => job.on('exit', (code) => resolve(code ?? -1)));
  await waitFor(
    () =>
      existsSync(join(dir, 'run', 'loss.csv')) &&
      readFileSync(join(dir, 'run', 'loss.csv'), 'utf8').split('\n').length > 5,
    60_000,
  );
  const pids = rankPids(job.pid!);
  process.kill(pids.get(1)!, 'SIGSTOP');
  const code = await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-99), 40_000))]);
  assert.notEqual(code, -99, 'the job did not stop within 40 s');
  assert.notEqual(code, 0);
  assert.match(stderr, /rank 0 of 2: all-reduce failed: .*(Timed out|timeout)/i);
});

test('--nproc auto, the default: a short run trains in one process, a long one in one per core, saying so; ranks whose launcher is killed stop', async () => {
  const dir = tempDir();
  const env = { ...process.env, DIFFLAB_THREADS: '2' };
  const short = spawnSync(process.execPath, [bin, ...tiny(join(dir, 'short'), '--steps', '4')], {
    encoding: 'utf8',
    env,
  });
  assert.equal(short.status, 0, short.stderr);
  assert.doesNotMatch(short.stderr, /processes x/);
  // 2,000 steps of 32 (16 per process): two processes, said on stderr. Then the launcher is killed outright: its
  // ranks see their channel close and stop as on SIGTERM, rank 0 writing a checkpoint, instead of training on.
  const out = join(dir, 'long');
  const job = spawn(
    process.execPath,
    [bin, ...tiny(out, '--steps', '2000', '--batch', '32', '--checkpoint-every', '10')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env,
    },
  );
  let stderr = '';
  job.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const ckpts = join(out, 'checkpoints');
  await waitFor(() => existsSync(ckpts) && readdirSync(ckpts).some((f) => f.endsWith('.safetensors')), 60_000);
  assert.match(
    stderr,
    /train: 2 processes x 1 thread\(s\) for 2 cores, --batch 32 split evenly \(--nproc auto, the default/,
  );
  const pids = [...rankPids(job.pid!).values()];
  assert.equal(pids.length, 2);
  job.kill('SIGKILL');
  const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  await waitFor(() => pids.every((pid) => !alive(pid)), 30_000);
  const saved = readdirSync(ckpts).filter((f) => f.endsWith('.safetensors'));
  assert.ok(saved.length >= 1 && readdirSync(ckpts).every((f) => f.endsWith('.safetensors')), saved.join(', '));
});
