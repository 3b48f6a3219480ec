// The PyTorch side of npm run bench:sample: the shipped model's U-Net written out in PyTorch (the same
// architecture as src/networks/unet.ts, with parameter names that match the model file's tensor names, so the
// shipped weights load as they are: no random weights) and sampled with DPM-Solver++(2M) on difflab's own grid
// (noise levels, times, alpha and sigma per step computed by difflab and handed over), eager, under
// torch.inference_mode; bf16 through torch.autocast on channels-last weights and inputs, fp32 contiguous, as
// difflab's imageNetwork does; GroupNorm in float32 as bench/train.ts runs it.
import { dpmpp2m, stepGrid, UNet, type LoadedDenoiser, type Precision } from '../src/index.js';
import { runPyTorch } from './pytorch.js';

/** What the Python side returns: seconds per batch per round, and its network's output on the check input. */
export interface TorchSampling {
  fp32: number[];
  bf16: number[];
  /** Network evaluations per sampled batch (each over the whole batch). */
  evaluations: number;
  /** 'shipped' when the model file's tensors loaded by name; else why random weights of the same shapes ran. */
  weights: string;
  params: number;
  /** PyTorch's version, without its build suffix. */
  version: string;
  /** The fp32 network's output on checkInput (flattened), to compare with difflab's. */
  check: number[];
  /** With `profile`: the ops of one profiled batch in that precision, most self time first (bench:profile). */
  ops?: { name: string; calls: number; selfUs: number }[];
  /** With `profile`: that batch's wall time in microseconds. */
  profiledUs?: number;
}

/** malloc settings difflab's addon makes at load (native/difflab.cc TuneMalloc), as bench/train.ts passes them. */
export const difflabMalloc = {
  MALLOC_MMAP_MAX_: '0',
  MALLOC_TRIM_THRESHOLD_: String(2 ** 30),
  MALLOC_TOP_PAD_: String(64 * 2 ** 20),
};

/** A fixed input both sides run through the fp32 network: 2 images, times 0.3 and 0.8, class 0 and the null class. */
export function checkInput(shape: readonly [number, number, number]) {
  const n = 2,
    size = n * shape[0] * shape[1] * shape[2];
  return {
    x: Float32Array.from({ length: size }, (_, i) => Math.sin(0.37 * i)),
    shape: [n, ...shape],
    time: [0.3, 0.8],
  };
}

/**
 * Why this model has no PyTorch copy here (null: it has one). The copy covers the class-conditional and
 * unconditional U-Nets with sinusoidal time features and eps, v or x0 prediction (the shipped models).
 */
export function unsupported(m: LoadedDenoiser): string | null {
  if (!(m.network instanceof UNet)) return `a ${m.config.network.kind} network (the copy is of the U-Net)`;
  const c = m.network.config;
  if (c.embeddingDim || c.text) return 'a U-Net with condition vectors or a text encoder';
  if (c.timeFeatures.kind !== 'sinusoidal') return 'Fourier time features';
  if (!['eps', 'v', 'x0'].includes(m.config.prediction)) return `${m.config.prediction} prediction`;
  return null;
}

/** Samples `batch` images `rounds` times per precision in PyTorch, alternating fp32 and bf16 after one warm-up each. */
export function pytorchSampling(
  m: LoadedDenoiser,
  o: {
    weightsPath: string;
    batch: number;
    steps: number;
    rounds: number;
    threads: number;
    device: string;
    /** Also profile one batch in this precision (torch.autograd.profiler) and return its ops. */
    profile?: Precision;
  },
  env: Record<string, string> = {},
): TorchSampling | null {
  const s = m.denoiser.schedule;
  const sigmas = stepGrid(dpmpp2m.samplerName, m.denoiser, { numSteps: o.steps });
  // Per step, what fromNetwork (src/denoisers/network.ts) gives the network: x_t = alpha x, time t / tMax.
  const times = sigmas.slice(0, -1).map((l) => s.timeAt(l));
  const ck = checkInput(m.imageShape);
  const params = {
    ...o,
    network: (m.network as UNet).config,
    prediction: m.config.prediction,
    numClasses: m.classNames.length,
    imageShape: m.imageShape,
    sigmas,
    alpha: times.map((t) => s.alpha(t)),
    sigma: times.map((t) => s.sigma(t)),
    time: times.map((t) => t / s.tMax),
    check: { shape: ck.shape, time: ck.time },
  };
  return runPyTorch<TorchSampling>(script(params), env);
}

const script = (params: object) => `
import json, math, struct, time, torch, torch.nn as nn, torch.nn.functional as F
P = json.loads(${JSON.stringify(JSON.stringify(params))})
torch.set_num_threads(P['threads'])
dev = P['device']
if dev.startswith('cuda'): torch.set_default_device(dev)
sync = torch.cuda.synchronize if dev.startswith('cuda') else (lambda: None)
c = P['network']; E, heads, ncls = c['embedDim'], c['attentionHeads'], c['numClasses']
C, H, W = P['imageShape']
def groups_for(ch):
    g = min(c['groups'], ch)
    while ch % g: g -= 1
    return g
class GN(nn.GroupNorm):
    def forward(s, x): return F.group_norm(x.float(), s.num_groups, s.weight, s.bias, s.eps)
def gn(ch): return GN(groups_for(ch), ch)
class Res(nn.Module):
    def __init__(s, i, o):
        super().__init__(); s.norm1, s.conv1, s.embed = gn(i), nn.Conv2d(i, o, 3, padding=1), nn.Linear(E, o)
        s.norm2, s.conv2 = gn(o), nn.Conv2d(o, o, 3, padding=1)
        s.skip = nn.Conv2d(i, o, 1) if i != o else None
    def forward(s, x, emb):
        h = s.conv1(F.silu(s.norm1(x))) + s.embed(emb)[:, :, None, None]
        h = s.conv2(F.silu(s.norm2(h)))
        return (s.skip(x) if s.skip is not None else x) + h
class Attn(nn.Module):
    def __init__(s, ch):
        super().__init__(); s.norm, s.qkv, s.proj = gn(ch), nn.Conv2d(ch, 3 * ch, 1), nn.Conv2d(ch, ch, 1)
    def forward(s, x):
        n, ch, h, w = x.shape; d = ch // heads
        q, k, v = s.qkv(s.norm(x)).reshape(n, 3, heads, d, h * w).permute(1, 0, 2, 4, 3)
        # As difflab's attention: contiguous operands (1.13's CPU bmm is slow on odd batch strides), softmax in fp32.
        a = torch.softmax((q.contiguous() @ k.transpose(-2, -1).contiguous() / math.sqrt(d)).float(), -1)
        return x + s.proj((a @ v.contiguous()).permute(0, 1, 3, 2).reshape(n, ch, h, w))
class Stage(nn.Module):
    def __init__(s, i, o, attn):
        super().__init__(); s.res = Res(i, o); s.attn = Attn(o) if attn else None
    def forward(s, h, emb):
        h = s.res(h, emb)
        return s.attn(h) if s.attn is not None else h
class Resample(nn.Module):
    def __init__(s, ch, down):
        super().__init__(); s.down = down; s.conv = nn.Conv2d(ch, ch, 3, stride=2 if down else 1, padding=1)
    def forward(s, x): return s.conv(x if s.down else F.interpolate(x, scale_factor=2.0, mode='nearest'))
# Module names mirror src/networks/unet.ts, so state_dict keys are the model file's tensor names.
class UNet(nn.Module):
    def __init__(s):
        super().__init__()
        base, tf = c['baseChannels'], c['timeFeatures']; half = base // 2
        s.register_buffer('freqs', torch.exp(-math.log(tf['maxPeriod']) * torch.arange(half, dtype=torch.float64) / half).float(), persistent=False)
        s.timeMlp = nn.ModuleList([nn.Linear(base, E), nn.Linear(E, E)])
        s.classEmbed = nn.Embedding(ncls + 1, E) if ncls > 0 else None
        s.inConv = nn.Conv2d(C, base, 3, padding=1)
        widths = [m * base for m in c['channelMults']]; L = len(widths); skips = [base]; ch = base
        s.down, s.downsample = nn.ModuleList(), nn.ModuleDict()
        for lv, w in enumerate(widths):
            stages = nn.ModuleList()
            for _ in range(c['blocksPerLevel']):
                stages.append(Stage(ch, w, lv in c['attentionLevels'])); ch = w; skips.append(ch)
            s.down.append(stages)
            if lv < L - 1: s.downsample[str(lv)] = Resample(ch, True); skips.append(ch)
        s.mid = nn.ModuleDict({'0': Res(ch, ch), 'attn': Attn(ch), '1': Res(ch, ch)})
        up = [None] * L; s.upsample = nn.ModuleDict()
        for lv in reversed(range(L)):
            stages = nn.ModuleList()
            for _ in range(c['blocksPerLevel'] + 1):
                stages.append(Stage(ch + skips.pop(), widths[lv], lv in c['attentionLevels'])); ch = widths[lv]
            up[lv] = stages
            if lv > 0: s.upsample[str(lv)] = Resample(ch, False)
        s.up = nn.ModuleList(up)
        s.outNorm, s.outConv = gn(ch), nn.Conv2d(ch, C, 3, padding=1)
        s.fmt = torch.contiguous_format
    def forward(s, x, t, y):
        a = (t * c['timeFeatures']['timeScale'])[:, None] * s.freqs[None]
        emb = s.timeMlp[1](F.silu(s.timeMlp[0](torch.cat([a.sin(), a.cos()], 1))))
        if s.classEmbed is not None: emb = emb + s.classEmbed(y)
        emb = F.silu(emb)
        h = s.inConv(x.contiguous(memory_format=s.fmt)); hs = [h]
        for lv, stages in enumerate(s.down):
            for st in stages: h = st(h, emb); hs.append(h)
            if str(lv) in s.downsample: h = s.downsample[str(lv)](h); hs.append(h)
        h = s.mid['1'](s.mid['attn'](s.mid['0'](h, emb)), emb)
        for lv in reversed(range(len(s.up))):
            for st in s.up[lv]: h = st(torch.cat([h, hs.pop()], 1), emb)
            if str(lv) in s.upsample: h = s.upsample[str(lv)](h)
        return s.outConv(F.silu(s.outNorm(h)))
def read_safetensors(path):
    # 8-byte little-endian header length, a JSON header, then the raw tensors (no safetensors package needed).
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]; header = json.loads(f.read(n)); data = bytearray(f.read())
    types = {'F32': torch.float32, 'F64': torch.float64, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64, 'I32': torch.int32}
    out = {}
    for name, e in header.items():
        if name == '__metadata__' or e['dtype'] not in types: continue
        lo, hi = e['data_offsets']; dt = types[e['dtype']]
        if hi > lo: out[name] = torch.frombuffer(data, dtype=dt, count=(hi - lo) // torch.empty(0, dtype=dt).element_size(), offset=lo).reshape(e['shape'])
    return out
file = read_safetensors(P['weightsPath'])
weights = 'shipped'
def build(bf16):
    global weights
    torch.manual_seed(0); net = UNet().eval()
    keys = net.state_dict().keys(); missing = [k for k in keys if k not in file]
    if missing: weights = 'random (not in the model file: ' + ', '.join(missing[:3]) + ')'
    else: net.load_state_dict({k: file[k] for k in keys})
    net.fmt = torch.channels_last if bf16 else torch.contiguous_format
    return net.to(dev).to(memory_format=net.fmt)
sig, A, S, T = P['sigmas'], P['alpha'], P['sigma'], P['time']
def to_x0(pred, xt, a, b):
    k = P['prediction']
    if k == 'v': return (xt * a - pred * b) / (a * a + b * b)
    if k == 'eps': return (xt - pred * b) / a
    return pred
evaluations = [0]
def sample(net, bf16, B):
    # DPM-Solver++(2M) as src/samplers/dpmpp-2m.ts, with fromNetwork's frame change and the [-1, 1] clamp of x0.
    torch.manual_seed(0); x = torch.randn(B, C, H, W) * sig[0]; prev = None; evaluations[0] = 0
    y = torch.arange(B) % P['numClasses'] if P['numClasses'] > 0 else torch.full((B,), ncls)
    for i in range(len(sig) - 1):
        st, ss, a, b = sig[i], sig[i + 1], A[i], S[i]
        xt = x * a
        with torch.autocast(dev.split(':')[0], dtype=torch.bfloat16, enabled=bf16):
            pred = net(xt, torch.full((B,), T[i]), y).float()
        evaluations[0] += 1
        x0 = to_x0(pred, xt, a, b).clamp(-1, 1)
        if ss == 0: return x0
        h = math.log(st) - math.log(ss); d = x0
        if prev is not None:
            r = (math.log(sig[i - 1]) - math.log(st)) / h
            d = x0 * (1 + 1 / (2 * r)) - prev * (1 / (2 * r))
        x = x * (ss / st) + d * -math.expm1(-h); prev = x0
    return x
nets = {'fp32': build(False), 'bf16': build(True)}
times = {'fp32': [], 'bf16': []}
with torch.inference_mode():
    ck = P['check']; n = ck['shape'][0]
    xc = torch.sin(0.37 * torch.arange(n * C * H * W, dtype=torch.float64)).float().reshape(ck['shape'])
    yc = torch.tensor([0, ncls]) if ncls > 0 else None
    check = nets['fp32'](xc, torch.tensor(ck['time']), yc).flatten().tolist()
    for p in times: sample(nets[p], p == 'bf16', P['batch'])  # warm-up: oneDNN picks and caches its kernels
    for _ in range(P['rounds']):
        for p in times:
            sync(); t0 = time.perf_counter(); sample(nets[p], p == 'bf16', P['batch']); sync()
            times[p].append(time.perf_counter() - t0)
    extra = {}
    if P.get('profile'):
        p = P['profile']
        with torch.autograd.profiler.profile() as prof:
            t0 = time.perf_counter(); sample(nets[p], p == 'bf16', P['batch']); wall = time.perf_counter() - t0
        ops = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
        extra = {'profiledUs': wall * 1e6,
                 'ops': [{'name': e.key, 'calls': e.count, 'selfUs': e.self_cpu_time_total} for e in ops[:25]]}
print(json.dumps({**times, **extra, 'evaluations': evaluations[0], 'weights': weights, 'check': check,
                  'params': sum(p.numel() for p in nets['fp32'].parameters()),
                  'version': torch.__version__.split('+')[0]}))
`;
