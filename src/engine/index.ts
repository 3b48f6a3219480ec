// The engine: tensors, ops, autograd, optimizers, randomness, memory scopes. Generic; knows nothing of diffusion.
export { Tensor, liveTensorCount, type DType, type Device, type Scalar, type Dims } from './tensor.js';
export * from './ops.js';
export * from './runtime.js';
export { tidy, keep, dispose } from './scope.js';
export * from './rng.js';
export * from './optim.js';
export * from './distributed.js';
