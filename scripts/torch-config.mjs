#!/usr/bin/env node
// Prints the compiler/linker flags for the libtorch that the addon links against (used by binding.gyp).
// One variable picks it: LIBTORCH, a directory with include/ and lib/ (a libtorch zip, or a PyTorch install's
// site-packages/torch, CUDA builds included). Unset: Debian's libtorch-dev in the system paths.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.LIBTORCH;
const what = process.argv[2];

function cxxAbiFlag(dir) {
  const cfg = join(dir, 'share/cmake/Torch/TorchConfig.cmake');
  const m = existsSync(cfg) && /_GLIBCXX_USE_CXX11_ABI=(\d)/.exec(readFileSync(cfg, 'utf8'));
  return m ? [`-D_GLIBCXX_USE_CXX11_ABI=${m[1]}`] : [];
}

const C10D_FLAGS = ['-DUSE_C10D_GLOO', '-DUSE_DISTRIBUTED', '-DDIFFLAB_C10D'];
let include, cflags, libs;
if (!root) {
  include = ['/usr/include/torch/csrc/api/include'];
  // c10d's Gloo process group is in libtorch_cpu; its headers need gloo's (Debian libgloo-dev) and these defines.
  const gloo = existsSync('/usr/include/gloo/config.h');
  cflags = gloo ? C10D_FLAGS : [];
  libs = ['-Wl,--no-as-needed', '-ltorch', '-ltorch_cpu', '-lc10', ...(gloo ? ['-lgloo'] : []), '-Wl,--as-needed'];
} else {
  const lib = join(root, 'lib');
  if (!existsSync(join(root, 'include/torch'))) {
    console.error(`LIBTORCH=${root} has no include/torch: point it at a libtorch or site-packages/torch directory`);
    process.exit(1);
  }
  include = [join(root, 'include'), join(root, 'include/torch/csrc/api/include')];
  cflags = [...cxxAbiFlag(root), ...(existsSync(join(root, 'include/gloo/config.h')) ? C10D_FLAGS : [])];
  const hasCuda = existsSync(join(lib, 'libtorch_cuda.so'));
  const cuda = hasCuda ? ['-ltorch_cuda', '-lc10_cuda'] : [];
  // The CUDA runtime headers (for the device-capability query): a CUDA toolkit, or PyTorch's nvidia wheels.
  const cudaInclude = [
    process.env.CUDA_HOME && join(process.env.CUDA_HOME, 'include'),
    '/usr/local/cuda/include',
    join(root, '../nvidia/cuda_runtime/include'),
    join(root, '../nvidia/cu13/include'),
  ].find((d) => d && existsSync(join(d, 'cuda_runtime_api.h')));
  if (hasCuda && cudaInclude) {
    include.push(cudaInclude);
    cflags.push('-DDIFFLAB_CUDA');
  }
  libs = [
    `-L${lib}`,
    `-Wl,-rpath,${lib}`,
    '-Wl,--no-as-needed',
    '-ltorch',
    '-ltorch_cpu',
    ...cuda,
    '-lc10',
    '-Wl,--as-needed',
  ];
}
const out = { include, cflags, libs }[what];
if (!out) {
  console.error('usage: torch-config.mjs include|cflags|libs');
  process.exit(1);
}
console.log(out.join(' '));
