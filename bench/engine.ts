// npm run bench:engine: a 3x3 convolution, 64->64 channels, 28x28, batch 64, forward and forward+backward, in
// difflab and in PyTorch (Debian python3-torch, same libtorch, same thread count) side by side.
import { Rng, conv2d, getNumThreads, tidy, type Tensor } from '../src/index.js';
import { runPyTorch } from './pytorch.js';

const [N, C, H, K] = [64, 64, 28, 3];
const flopsForward = 2 * N * C * H * H * C * K * K; // multiply-adds x2
const iters = Number(process.env.BENCH_ITERS ?? 20);

function timeIt(fn: () => void): number {
  for (let i = 0; i < 3; i++) fn(); // warm-up (oneDNN primitive creation)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e9 / iters;
}

function difflab(layout: 'nchw' | 'channels_last'): { forward: number; backward: number } {
  const rng = new Rng(0);
  const prep = (t: Tensor) => (layout === 'channels_last' ? t.channelsLast() : t);
  const x = prep(rng.randn([N, C, H, H])).setRequiresGrad(true);
  const w = prep(rng.randn([C, C, K, K]).mul(0.05)).setRequiresGrad(true);
  const b = rng.randn([C]).setRequiresGrad(true);
  const gy = prep(rng.randn([N, C, H, H]));
  const forward = timeIt(() =>
    tidy(() => {
      conv2d(x.detach(), w.detach(), b.detach(), { padding: 1 });
    }),
  );
  const backward = timeIt(() =>
    tidy(() => {
      conv2d(x, w, b, { padding: 1 }).backward(gy);
      x.clearGrad();
      w.clearGrad();
      b.clearGrad();
    }),
  );
  return { forward, backward };
}

const pyScript = `
import json, time, torch
torch.set_num_threads(${getNumThreads()})
def bench(layout):
    fmt = torch.channels_last if layout == 'channels_last' else torch.contiguous_format
    x = torch.randn(${N}, ${C}, ${H}, ${H}).contiguous(memory_format=fmt).requires_grad_()
    w = (torch.randn(${C}, ${C}, ${K}, ${K}) * 0.05).contiguous(memory_format=fmt).requires_grad_()
    b = torch.randn(${C}).requires_grad_()
    gy = torch.randn(${N}, ${C}, ${H}, ${H}).contiguous(memory_format=fmt)
    def t(fn):
        for _ in range(3): fn()
        t0 = time.perf_counter()
        for _ in range(${iters}): fn()
        return (time.perf_counter() - t0) / ${iters}
    def fwd():
        with torch.no_grad(): torch.nn.functional.conv2d(x, w, b, padding=1)
    def bwd():
        torch.nn.functional.conv2d(x, w, b, padding=1).backward(gy)
        x.grad = None; w.grad = None; b.grad = None
    return {'forward': t(fwd), 'backward': t(bwd)}
print(json.dumps({l: bench(l) for l in ['nchw', 'channels_last']}))
`;

const torch = runPyTorch<Record<string, { forward: number; backward: number }>>(pyScript);
const gf = (flops: number, s: number) => flops / s / 1e9;
console.log(
  `conv2d 3x3 ${C}->${C}, ${H}x${H}, batch ${N}: ${(flopsForward / 1e9).toFixed(2)} GFLOP forward, ` +
    `${((3 * flopsForward) / 1e9).toFixed(2)} forward+backward; ${getNumThreads()} threads, ${iters} iterations\n`,
);
console.log('| layout | pass | difflab GFLOP/s | PyTorch GFLOP/s | difflab/PyTorch |');
console.log('|---|---|---|---|---|');
for (const layout of ['nchw', 'channels_last'] as const) {
  const ours = difflab(layout);
  for (const pass of ['forward', 'backward'] as const) {
    const flops = pass === 'forward' ? flopsForward : 3 * flopsForward;
    const a = gf(flops, ours[pass]);
    const t = torch ? gf(flops, torch[layout]![pass]) : NaN;
    const label = pass === 'forward' ? 'forward' : 'forward+backward';
    console.log(
      `| ${layout} | ${label} | ${a.toFixed(1)} | ${torch ? t.toFixed(1) : 'n/a'} | ${torch ? (a / t).toFixed(2) : 'n/a'} |`,
    );
  }
}
