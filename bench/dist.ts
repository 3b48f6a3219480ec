// npm run bench:dist: data parallelism on this machine. (1) Training throughput of the default preset at global
// batch 128: 1 process x 2 threads against 2 processes x 1 thread over c10d/Gloo (scaling efficiency = the ratio).
// (2) All-reduce of a 1,694,209-float bucket (the default model's gradients, 6.8 MB) between 2 processes over
// loopback: difflab's binding against torch.distributed.all_reduce with Gloo (Debian python3-torch, same libtorch).
// This file is also the worker both measurements start (BENCH_ROLE).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ProcessGroup, processGroupFromEnv, tensor } from '../src/index.js';
import { debianPython } from './pytorch.js';
import { trainingRate } from './train-rate.js';

const steps = Number(process.env.BENCH_STEPS ?? 12),
  warm = 2,
  batch = 128;
const bucket = 1_694_209,
  reps = 20;

async function trainWorker(): Promise<void> {
  const env = processGroupFromEnv();
  const group = env && env.worldSize > 1 ? ProcessGroup.join(env) : null;
  const r = await trainingRate({ batch, steps, warm, group });
  if ((group?.rank ?? 0) === 0) console.log(JSON.stringify(r));
  group?.destroy();
}

function allReduceWorker(): void {
  const group = ProcessGroup.join(processGroupFromEnv()!);
  const t = tensor(new Float32Array(bucket).fill(1), [bucket]);
  group.allReduceSum([t]);
  group.barrier();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) group.allReduceSum([t]);
  const seconds = (performance.now() - t0) / 1000;
  if (group.rank === 0) console.log(JSON.stringify({ seconds: seconds / reps }));
  group.destroy();
}

/** Runs `cmd args` as `world` ranks (torchrun's variables) and returns rank 0's last JSON line. */
function ranks<T>(
  world: number,
  threads: number,
  cmd: string,
  args: string[],
  extra: Record<string, string> = {},
): Promise<T> {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  return new Promise((resolve, reject) => {
    let out = '';
    let left = world;
    for (let rank = 0; rank < world; rank++) {
      const c = spawn(cmd, args, {
        env: {
          ...process.env,
          ...extra,
          DIFFLAB_THREADS: String(threads),
          OMP_NUM_THREADS: String(threads),
          ...(world > 1
            ? { MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, WORLD_SIZE: String(world), RANK: String(rank) }
            : {}),
        },
        stdio: ['ignore', rank === 0 ? 'pipe' : 'ignore', 'inherit'],
      });
      c.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      c.on('exit', (code) => {
        if (code !== 0) reject(new Error(`${cmd} rank ${rank} exited with ${code}`));
        if (--left === 0) resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
      });
    }
  });
}

const self = fileURLToPath(import.meta.url);
const py = `
import os, time, json, torch, torch.distributed as dist
torch.set_num_threads(1)
dist.init_process_group('gloo', init_method='tcp://127.0.0.1:' + os.environ['MASTER_PORT'], rank=int(os.environ['RANK']), world_size=int(os.environ['WORLD_SIZE']))
t = torch.ones(${bucket})
dist.all_reduce(t); dist.barrier()
t0 = time.perf_counter()
for _ in range(${reps}): dist.all_reduce(t)
s = (time.perf_counter() - t0) / ${reps}
if dist.get_rank() == 0: print(json.dumps({'seconds': s}))
dist.destroy_process_group()
`;

const role = process.env.BENCH_ROLE;
if (role === 'train') await trainWorker();
else if (role === 'allreduce') allReduceWorker();
else {
  const node = (r: string) => [process.execPath, [self], { BENCH_ROLE: r }] as const;
  const [cmd, args, env] = node('train');
  const single = await ranks<{ rate: number; precision: string }>(1, 2, cmd, [...args], env);
  const double = await ranks<{ rate: number; precision: string }>(2, 1, cmd, [...args], env);
  const ours = await ranks<{ seconds: number }>(2, 1, cmd, [...args], { BENCH_ROLE: 'allreduce' });
  const torch = await ranks<{ seconds: number }>(2, 1, debianPython, ['-c', py]).catch(() => null);
  const mb = (bucket * 4) / 1e6;
  console.log(`default preset, global batch ${batch}, ${single.precision}, ${steps} timed steps after ${warm}`);
  console.log('| layout | images/s | efficiency |');
  console.log('|---|---|---|');
  console.log(`| 1 process x 2 threads | ${single.rate.toFixed(1)} | 1.00 |`);
  console.log(
    `| 2 processes x 1 thread (Gloo) | ${double.rate.toFixed(1)} | ${(double.rate / single.rate).toFixed(2)} |`,
  );
  console.log(
    `\nall-reduce (sum) of ${bucket} floats (${mb.toFixed(1)} MB), 2 processes over loopback, mean of ${reps}:`,
  );
  console.log('| engine | ms per all-reduce | bucket MB/s | vs torch.distributed |');
  console.log('|---|---|---|---|');
  const row = (name: string, s: number) =>
    console.log(
      `| ${name} | ${(1000 * s).toFixed(1)} | ${(mb / s).toFixed(0)} | ${torch ? (torch.seconds / s).toFixed(2) : 'n/a'} |`,
    );
  row('difflab (c10d ProcessGroupGloo)', ours.seconds);
  if (torch) row('torch.distributed.all_reduce (gloo)', torch.seconds);
}
