// npm run bench:train: training throughput (images/s) of the default Fashion-MNIST preset at batch 128 in fp32 and
// bf16, and the same architecture and loop (eps objective on the linear schedule, AdamW, clipping, EMA) in PyTorch
// (Debian python3-torch, same libtorch, same threads) in fp32 and bf16 autocast (channels-last, GroupNorm in
// float32 as torch 1.13 requires) in the same run, side by side; plus achieved GFLOP/s (convolution and linear
// FLOPs counted in PyTorch, x3 for forward+backward) against a measured matrix product in each precision. Then the
// colour text-to-image preset (emoji, 32 px RGB, its text encoder) in difflab alone (BENCH_EMOJI=0 leaves it out).
import { getDefaultDevice, getNumThreads, presetConfig, type Precision } from '../src/index.js';
import { runPyTorch } from './pytorch.js';
import { emojiTrainingRate, trainingRate } from './train-rate.js';

const batch = Number(process.env.BENCH_BATCH ?? 128);
const steps = Number(process.env.BENCH_STEPS ?? 12);
const warm = 2;

const difflab = async (precision: Precision) => (await trainingRate({ batch, steps, warm, precision })).rate;

const c = presetConfig('default') as ReturnType<typeof presetConfig> & { channelMults: number[]; baseChannels: number };
const device = getDefaultDevice();
const py = `
import json, math, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(${getNumThreads()})
dev = '${device}'
if dev.startswith('cuda'): torch.set_default_device(dev)
sync = torch.cuda.synchronize if dev.startswith('cuda') else (lambda: None)
torch.manual_seed(0)
B, base, mults, E, ncls, G, heads = ${batch}, ${c.baseChannels}, ${JSON.stringify(c.channelMults)}, ${4 * c.baseChannels}, 10, 8, 4
def gn_forward(m, x): return F.group_norm(x.float(), m.num_groups, m.weight, m.bias, m.eps)
class GN(nn.GroupNorm):
    def forward(s, x): return gn_forward(s, x)
def gn(ch):
    g = min(G, ch)
    while ch % g: g -= 1
    return GN(g, ch)
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
flops = [0]
def hook(m, i, o):
    if isinstance(m, nn.Conv2d): flops[0] += 2 * o.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
    if isinstance(m, nn.Linear): flops[0] += 2 * o.numel() * m.in_features
betas = torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64); abar = torch.cumprod(1 - betas, 0).float()
def run(bf16):
    torch.manual_seed(0)
    net = UNet().to(dev)
    fmt = torch.channels_last if bf16 else torch.contiguous_format
    net = net.to(memory_format=fmt)
    x0 = (torch.rand(B, 1, 28, 28) * 2 - 1).contiguous(memory_format=fmt); y = torch.randint(0, 10, (B,))
    hooks = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    flops[0] = 0
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
        with torch.autocast(dev.split(':')[0], dtype=torch.bfloat16, enabled=bf16):
            out = net(xt, t.float() / 1000, yy)
        loss = F.mse_loss(out.float(), eps)
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0); opt.step()
        with torch.no_grad():
            for e, p in zip(ema, net.parameters()): e.lerp_(p, 0.001)
    for _ in range(${warm}): step()
    sync(); t0 = time.perf_counter()
    for _ in range(${steps}): step()
    sync()
    return ${steps} * B / (time.perf_counter() - t0), fwd_flops, sum(p.numel() for p in net.parameters())
def peak(dtype):
    # A 1x1 convolution over 64x64 pixels, 1024 -> 1024 channels, channels-last: a matrix product through oneDNN,
    # the library the U-Net's convolutions use (torch.mm in fp32 goes through OpenBLAS, pinned to old kernels here).
    x = torch.randn(1, 1024, 64, 64).contiguous(memory_format=torch.channels_last).to(dtype)
    w = torch.randn(1024, 1024, 1, 1).contiguous(memory_format=torch.channels_last).to(dtype)
    F.conv2d(x, w); sync(); t0 = time.perf_counter()
    for _ in range(5): F.conv2d(x, w)
    sync()
    return 2 * 1024 * 1024 * 64 * 64 * 5 / (time.perf_counter() - t0) / 1e9
fp32, fwd_flops, params = run(False)
bf16, _, _ = run(True)
print(json.dumps({'fp32': fp32, 'bf16': bf16, 'params': params, 'flopsPerImage': 3 * fwd_flops / B,
                  'version': torch.__version__.split('+')[0],
                  'peakFp32': peak(torch.float32), 'peakBf16': peak(torch.bfloat16)}))
`;

const ours = { fp32: await difflab('fp32'), bf16: await difflab('bf16') };
type Torch = {
  fp32: number;
  bf16: number;
  params: number;
  flopsPerImage: number;
  peakFp32: number;
  peakBf16: number;
  version: string;
};
const torch = runPyTorch<Torch>(py);
// The same PyTorch with the malloc settings difflab's addon makes at load (native/difflab.cc TuneMalloc).
const tuned = runPyTorch<Torch>(py, {
  MALLOC_MMAP_MAX_: '0',
  MALLOC_TRIM_THRESHOLD_: String(2 ** 30),
  MALLOC_TOP_PAD_: String(64 * 2 ** 20),
});
const gf = (rate: number) => (torch ? (rate * torch.flopsPerImage) / 1e9 : NaN);
const peakOf = (p: Precision) => (torch ? (p === 'fp32' ? torch.peakFp32 : torch.peakBf16) : NaN);
console.log(
  `default preset, batch ${batch}, ${steps} timed steps after ${warm}, ${device === 'cpu' ? `${getNumThreads()} threads` : device}`,
);
console.log(
  "| engine | precision | images/s | GFLOP/s (conv+linear, x3) | of the precision's peak | vs PyTorch same precision | vs own fp32 |",
);
console.log('|---|---|---|---|---|---|---|');
for (const p of ['fp32', 'bf16'] as const) {
  const row = (name: string, rate: number, base: number) =>
    console.log(
      `| ${name} | ${p} | ${rate.toFixed(1)} | ${gf(rate).toFixed(1)} | ` +
        `${((100 * gf(rate)) / peakOf(p)).toFixed(0)}% | ${torch ? (rate / torch[p]).toFixed(2) : 'n/a'} | ${(rate / base).toFixed(2)} |`,
    );
  row('difflab', ours[p], ours.fp32);
  if (torch) row(`PyTorch ${torch.version} eager`, torch[p], torch.fp32);
  if (tuned) row(`PyTorch ${tuned.version} eager, difflab's malloc settings`, tuned[p], tuned.fp32);
}
if (torch) {
  console.log(
    `\nPyTorch model: ${torch.params} parameters, ${(torch.flopsPerImage / 1e9).toFixed(3)} GFLOP per training image; ` +
      `peak (1x1 convolution 1024->1024 on 64x64, channels-last, oneDNN): fp32 ${torch.peakFp32.toFixed(1)}, bf16 ${torch.peakBf16.toFixed(1)} GFLOP/s`,
  );
}

// The emoji rows need the emoji npm packages: where they cannot be installed (no registry) the rows are skipped,
// saying why in one line.
const emojiRate = (precision: Precision) =>
  emojiTrainingRate({ batch, steps, warm, precision }).catch((e: Error) => {
    console.log(`\nemoji preset skipped: ${e.message}`);
    return null;
  });
const emojiFp32 = process.env.BENCH_EMOJI !== '0' ? await emojiRate('fp32') : null;
const emojiBf16 = emojiFp32 !== null ? await emojiRate('bf16') : null;
if (emojiFp32 !== null && emojiBf16 !== null) {
  const emoji = { fp32: emojiFp32, bf16: emojiBf16 };
  console.log(`\nemoji preset (--text, 32 px RGB), batch ${batch}, difflab only`);
  console.log('| engine | precision | images/s | vs own fp32 |');
  console.log('|---|---|---|---|');
  for (const p of ['fp32', 'bf16'] as const)
    console.log(`| difflab | ${p} | ${emoji[p].toFixed(1)} | ${(emoji[p] / emoji.fp32).toFixed(2)} |`);
}
