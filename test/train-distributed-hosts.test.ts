// Data parallel across two hosts, emulated by two network namespaces joined by a veth pair (10.77.0.1 and
// 10.77.0.2; each host's name resolves to its loopback there, as in many containers): the ranks bind Gloo to the
// address that routes to MASTER_ADDR (or GLOO_SOCKET_IFNAME's), a rank that never comes or dies is named, and a
// relaunched job continues from its last checkpoint by itself. The namespaces are the test's own and removed after.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lossSteps, tinyTraining, weightGap } from './distributed-helpers.js';
import { difflab, tempDir } from './helpers.js';

const bin = new URL('../../bin/difflab.js', import.meta.url).pathname;
const tiny = tinyTraining;

// Two hosts: namespace A (rank 0, 10.77.0.1) and B (10.77.0.2), named after this process so runs never collide.
const ns = [`dl${process.pid}a`, `dl${process.pid}b`] as const;
const veth = [`dl${process.pid}va`, `dl${process.pid}vb`] as const;
const ADDR = ['10.77.0.1', '10.77.0.2'] as const;
const PORT = 29611;

const ip = (...args: string[]) => spawnSync('ip', args, { encoding: 'utf8' });
/** Creates the two hosts; returns why not where `ip netns add` is not permitted (not root, no ip, a sandbox). */
function createHosts(): string | null {
  const probe = ip('netns', 'add', ns[0]);
  if (probe.error || probe.status !== 0)
    return `ip netns add is not permitted here (${probe.error?.message ?? probe.stderr.trim()})`;
  const steps = [
    ['netns', 'add', ns[1]],
    ['link', 'add', veth[0], 'type', 'veth', 'peer', 'name', veth[1]],
    ...[0, 1].flatMap((i) => [
      ['link', 'set', veth[i]!, 'netns', ns[i]!],
      ['-n', ns[i]!, 'addr', 'add', `${ADDR[i]}/24`, 'dev', veth[i]!],
      ['-n', ns[i]!, 'link', 'set', 'lo', 'up'],
      ['-n', ns[i]!, 'link', 'set', veth[i]!, 'up'],
    ]),
  ];
  for (const s of steps) {
    const r = ip(...s);
    if (r.status !== 0) throw new Error(`ip ${s.join(' ')}: ${r.stderr.trim()}`);
  }
  return null;
}
const skip = (() => {
  try {
    return createHosts() ?? false;
  } finally {
    after(() => {
      for (const n of ns) ip('netns', 'delete', n); // takes its end of the veth pair with it
    });
  }
})();

interface Rank {
  pid: number;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
}
/** Starts rank `rank` of 2 on its host with the launcher's variables (what torchrun exports). */
function startRank(rank: 0 | 1, args: string[], env: Record<string, string> = {}): Rank {
  const c = spawn('ip', ['netns', 'exec', ns[rank], process.execPath, bin, ...args], {
    env: {
      ...process.env,
      MASTER_ADDR: ADDR[0],
      MASTER_PORT: String(PORT),
      WORLD_SIZE: '2',
      RANK: String(rank),
      DIFFLAB_THREADS: '1',
      DIFFLAB_DIST_TIMEOUT: '20',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '',
    stderr = '';
  c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    pid: c.pid!, // `ip netns exec` execs the program: this is the rank itself
    exit: new Promise((resolve) => c.on('exit', (code, signal) => resolve({ code, signal, stderr, stdout }))),
  };
}
/** The exit of a rank, or a failure naming it when it has not ended within `ms` (a hang). */
async function ended(r: Rank, ms: number, what: string) {
  const timer = new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref());
  const done = await Promise.race([r.exit, timer]);
  if (done === null) {
    process.kill(r.pid, 'SIGKILL');
    assert.fail(`${what} did not end within ${ms / 1000} s`);
  }
  return done;
}
const lastLine = (s: string) => s.trim().split('\n').pop() ?? '';

test(
  'two hosts train the single-process weights in fp32 (Gloo bound toward MASTER_ADDR, or GLOO_SOCKET_IFNAME)',
  { skip },
  async () => {
    const dir = tempDir();
    const one = join(dir, 'one');
    const r = difflab(...tiny(one, '--steps', '20'));
    assert.equal(r.code, 0, r.stderr);
    for (const [name, env] of [
      ['routed', [{}, {}]],
      ['interface', [{ GLOO_SOCKET_IFNAME: veth[0] }, { GLOO_SOCKET_IFNAME: veth[1] }]],
    ] as const) {
      const out = join(dir, name);
      const ranks = [
        startRank(0, tiny(out, '--steps', '20'), env[0]),
        startRank(1, tiny(out, '--steps', '20'), env[1]),
      ];
      const [r0, r1] = [await ended(ranks[0]!, 120_000, 'rank 0'), await ended(ranks[1]!, 120_000, 'rank 1')];
      assert.equal(r0.code, 0, `${name}: rank 0: ${r0.stderr}`);
      assert.equal(r1.code, 0, `${name}: rank 1: ${r1.stderr}`);
      assert.match(r0.stdout, /finished at step 20/);
      // fp32: the same sums in another order, ~1e-7 after 20 AdamW steps; a wrong split moves the weights by ~1e-2.
      const gap = weightGap(join(one, 'model.safetensors'), join(out, 'model.safetensors'));
      assert.ok(gap < 1e-5, `${name}: two hosts' weights differ from one process's by ${gap}`);
    }
  },
);

test('a rank that never joins ends the other within DIFFLAB_DIST_TIMEOUT, named in one line', { skip }, async () => {
  const dir = tempDir();
  // Rank 0 waits for rank 1 and names it; rank 1 cannot reach rank 0's rendezvous and names its address.
  for (const [rank, line] of [
    [0, `rank 0 of 2: cannot join the group at ${ADDR[0]}:${PORT} (rank 1 did not join within 3 s)`],
    [1, `rank 1 of 2: cannot join the group at ${ADDR[0]}:${PORT} (`],
  ] as const) {
    const out = join(dir, String(rank));
    const r = await ended(
      startRank(rank, tiny(out, '--steps', '20'), { DIFFLAB_DIST_TIMEOUT: '3' }),
      60_000,
      `rank ${rank}`,
    );
    assert.equal(r.code, 1);
    assert.ok(lastLine(r.stderr).startsWith(`difflab: error: ${line}`), `rank ${rank}: ${lastLine(r.stderr)}`);
  }
  assert.ok(!existsSync(join(dir, '1', 'config.json')), 'rank 1 writes no run folder');
});

test(
  'a killed host ends the other with a line naming the lost rank; the relaunched job continues by itself',
  { skip },
  async () => {
    const dir = tempDir();
    const out = join(dir, 'run');
    const long = tiny(out, '--steps', '2000', '--checkpoint-every', '10');
    const ranks = [startRank(0, long), startRank(1, long)] as const;
    const ckpts = join(out, 'checkpoints');
    const deadline = Date.now() + 120_000;
    while (!(existsSync(ckpts) && readdirSync(ckpts).some((f) => f.endsWith('.safetensors')))) {
      if (Date.now() > deadline) throw new Error('no checkpoint within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(ranks[1].pid, 'SIGKILL');
    const r0 = await ended(ranks[0], 60_000, 'rank 0 after rank 1 was killed');
    assert.equal(r0.code, 1);
    assert.match(
      lastLine(r0.stderr),
      new RegExp(
        `^difflab: error: rank 0 of 2: all-reduce failed: rank 1 \\(${ADDR[1].replace(/\./g, '\\.')}\\) is gone: `,
      ),
    );
    const saved = Math.max(...readdirSync(ckpts).map((f) => Number(/(\d+)/.exec(f)![1])));
    // What torchrun does after a failure: the same command on every host again, TORCHELASTIC_RESTART_COUNT=1. (Fewer
    // --steps than the first attempt's 2000, to keep the test short, change its learning-rate schedule: allowed.)
    const target = saved + 10;
    const again = tiny(out, '--steps', String(target), '--checkpoint-every', '10', '--allow-change');
    const restarted = [
      startRank(0, again, { TORCHELASTIC_RESTART_COUNT: '1' }),
      startRank(1, again, { TORCHELASTIC_RESTART_COUNT: '1' }),
    ];
    const [a, b] = [
      await ended(restarted[0]!, 120_000, 'relaunched rank 0'),
      await ended(restarted[1]!, 120_000, 'relaunched rank 1'),
    ];
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(a.stderr, /note: --resume auto: continuing .* from its last checkpoint/);
    assert.match(a.stdout, new RegExp(`finished at step ${target}`));
    const rows = lossSteps(out);
    assert.deepEqual(
      rows,
      Array.from({ length: target }, (_, i) => i + 1),
      'loss.csv holds each step once, in order',
    );
  },
);

test('--resume auto starts a run that has no checkpoint and continues one that has; other arguments are refused', () => {
  const out = join(tempDir(), 'run');
  const first = difflab(...tiny(out, '--steps', '2', '--checkpoint-every', '1', '--resume', 'auto'));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /finished at step 2/);
  assert.doesNotMatch(first.stderr, /continuing/);
  const second = difflab(...tiny(out, '--steps', '4', '--checkpoint-every', '1', '--resume', 'auto'));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /note: --resume auto: continuing .* from its last checkpoint/);
  assert.match(second.stdout, /finished at step 4/);
  const rows = readFileSync(join(out, 'loss.csv'), 'utf8').trim().split('\n').length - 1;
  assert.equal(rows, 4, 'steps 1-4 once each: the second run continued the first');
  for (const args of [tiny(out, '--steps', '4', 'auto'), tiny(out, '--steps', '4', '--resume', 'yes')]) {
    const r = difflab(...args);
    assert.equal(r.code, 2);
    assert.match(lastLine(r.stderr), /^difflab: error: train: unexpected argument '(auto|yes)'/);
  }
});
