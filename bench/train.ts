// npm run bench:train: training throughput (images/s) of the default Fashion-MNIST preset at batch 128, and the
// same architecture and loop (eps objective on the linear schedule, AdamW, clipping, EMA) in PyTorch (Debian
// python3-torch, same libtorch, same threads) in the same run, side by side; plus achieved GFLOP/s (convolution
// and linear FLOPs counted in PyTorch, x3 for forward+backward) against a measured sgemm.
import {
  getNumThreads, loadEmbeddedSubset, presetConfig, resolveTrainConfig, train, trainingSet,
} from '../src/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPyTorch } from './pytorch.js';

const batch = Number(process.env.BENCH_BATCH ?? 128);
const steps = Number(process.env.BENCH_STEPS ?? 12);
const warm = 2;

async function difflab(): Promise<number> {
  const data = loadEmbeddedSubset();
  const config = resolveTrainConfig({
    data: 'subset', imageChannels: 1, imageSize: 28, classNames: [...data.classNames], preset: 'default',
    steps: warm + steps, batchSize: batch, checkpointEvery: 1_000_000, sampleEvery: 0, plotEvery: 1_000_000,
  });
  let t0 = 0, rate = 0;
  await train(config, trainingSet(data), mkdtempSync(join(tmpdir(), 'difflab-bench-')), {
    onStep: (r) => {
      if (r.step === warm) t0 = performance.now();
      if (r.step === warm + steps) rate = (steps * batch) / ((performance.now() - t0) / 1000);
    },
  });
  return rate;
}

const c = presetConfig('default') as ReturnType<typeof presetConfig> & { channelMults: number[]; baseChannels: number };
const py = `
import json, math, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(${getNumThreads()})
torch.manual_seed(0)
B, base, mults, E, ncls, G, heads = ${batch}, ${c.baseChannels}, ${JSON.stringify(c.channelMults)}, ${4 * c.baseChannels}, 10, 8, 4
def gn(ch): 
    g = min(G, ch)
    while ch % g: g -= 1
    return nn.GroupNorm(g, ch)
class Res(nn.Module):
    def __init__(s, i, o):
        super().__init__(); s.n1, s.c1, s.e, s.n2, s.c2 = gn(i), nn.Conv2d(i, o, 3, padding=1), nn.Linear(E, o), gn(o), nn.Conv2d(o, o, 3, padding=1)
        s.skip = nn.Conv2d(i, o, 1) if i != o else None
    def forward(s, x, emb):
        h = s.c1(F.silu(s.n1(x))) + s.e(emb)[:, :, None, None]
        h = s.c2(F.silu(s.n2(h)))
        return (s.skip(x) if s.skip is not None else x) + h
class Attn(nn.Module):
    def __init__(s, c):
        super().__init__(); s.n, s.qkv, s.proj = gn(c), nn.Conv2d(c, 3 * c, 1), nn.Conv2d(c, c, 1)
    def forward(s, x):
        n, c, h, w = x.shape; d = c // heads
        q, k, v = s.qkv(s.n(x)).reshape(n, 3, heads, d, h * w).permute(1, 0, 2, 4, 3)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), -1) @ v
        return x + s.proj(a.permute(0, 1, 3, 2).reshape(n, c, h, w))
class UNet(nn.Module):
    def __init__(s):
        super().__init__()
        s.t1, s.t2, s.cls, s.inc = nn.Linear(base, E), nn.Linear(E, E), nn.Embedding(ncls + 1, E), nn.Conv2d(1, base, 3, padding=1)
        widths = [m * base for m in mults]; skips = [base]; ch = base
        s.down, s.ds = nn.ModuleList(), nn.ModuleList()
        for lv, w in enumerate(widths):
            s.down.append(Res(ch, w)); ch = w; skips.append(ch)
            if lv < len(widths) - 1: s.ds.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1)); skips.append(ch)
        s.mid = nn.ModuleList([Res(ch, ch), Attn(ch), Res(ch, ch)])
        s.up, s.us = nn.ModuleList(), nn.ModuleList()
        for lv in reversed(range(len(widths))):
            w = widths[lv]
            for _ in range(2): s.up.append(Res(ch + skips.pop(), w)); ch = w
            if lv > 0: s.us.append(nn.Conv2d(ch, ch, 3, padding=1))
        s.on, s.oc = gn(ch), nn.Conv2d(ch, 1, 3, padding=1)
        s.nlev = len(widths)
    def forward(s, x, t, y):
        half = base // 2
        f = torch.exp(-math.log(10000) * torch.arange(half) / half)
        a = (t * 1000)[:, None] * f[None]
        emb = F.silu(s.t2(F.silu(s.t1(torch.cat([a.sin(), a.cos()], 1)))) + s.cls(y))
        h = s.inc(x); hs = [h]
        for lv in range(s.nlev):
            h = s.down[lv](h, emb); hs.append(h)
            if lv < s.nlev - 1: h = s.ds[lv](h); hs.append(h)
        h = s.mid[2](s.mid[1](s.mid[0](h, emb)), emb)
        i = 0
        for lv in reversed(range(s.nlev)):
            for _ in range(2): h = s.up[i](torch.cat([h, hs.pop()], 1), emb); i += 1
            if lv > 0: h = s.us[s.nlev - 1 - lv](F.interpolate(h, scale_factor=2.0, mode='nearest'))
        return s.oc(F.silu(s.on(h)))
net = UNet()
flops = [0]
def hook(m, i, o):
    if isinstance(m, nn.Conv2d): flops[0] += 2 * o.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
    if isinstance(m, nn.Linear): flops[0] += 2 * o.numel() * m.in_features
hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64); abar = torch.cumprod(1 - betas, 0).float()
x0 = torch.rand(B, 1, 28, 28) * 2 - 1; y = torch.randint(0, 10, (B,))
with torch.no_grad(): net(x0, torch.rand(B), y)
fwd_flops = flops[0]
for h in hooks: h.remove()
opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0)
ema = [p.detach().clone() for p in net.parameters()]
def step():
    t = torch.randint(1, 1001, (B,)); eps = torch.randn_like(x0)
    a = abar[t - 1][:, None, None, None]
    xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
    yy = torch.where(torch.rand(B) < 0.1, torch.full_like(y, 10), y)
    loss = F.mse_loss(net(xt, t.float() / 1000, yy), eps)
    opt.zero_grad(set_to_none=True); loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0); opt.step()
    with torch.no_grad():
        for e, p in zip(ema, net.parameters()): e.lerp_(p, 0.001)
for _ in range(${warm}): step()
t0 = time.perf_counter()
for _ in range(${steps}): step()
rate = ${steps} * B / (time.perf_counter() - t0)
m = torch.randn(2048, 2048); mm = lambda: m @ m
mm(); t0 = time.perf_counter()
for _ in range(5): mm()
sgemm = 2 * 2048 ** 3 * 5 / (time.perf_counter() - t0) / 1e9
print(json.dumps({'rate': rate, 'params': sum(p.numel() for p in net.parameters()), 'flopsPerImage': 3 * fwd_flops / B, 'sgemm': sgemm}))
`;

const ours = await difflab();
const torch = runPyTorch<{ rate: number; params: number; flopsPerImage: number; sgemm: number }>(py);
const gf = (rate: number) => (torch ? (rate * torch.flopsPerImage) / 1e9 : NaN);
console.log(`default preset, batch ${batch}, ${steps} timed steps, ${getNumThreads()} threads`);
console.log('| engine | images/s | GFLOP/s (conv+linear, x3) | vs PyTorch |');
console.log('|---|---|---|---|');
console.log(`| difflab | ${ours.toFixed(1)} | ${gf(ours).toFixed(1)} | ${torch ? (ours / torch.rate).toFixed(2) : 'n/a'} |`);
if (torch) {
  console.log(`| PyTorch 1.13 eager | ${torch.rate.toFixed(1)} | ${gf(torch.rate).toFixed(1)} | 1.00 |`);
  console.log(`\nPyTorch model: ${torch.params} parameters, ${(torch.flopsPerImage / 1e9).toFixed(3)} GFLOP per training image; ` +
    `sgemm 2048^3 here: ${torch.sgemm.toFixed(1)} GFLOP/s (OpenBLAS as configured on this machine)`);
}
