// Denoisers: the one contract samplers consume (x0 given x = x0 + sigma eps), its makers and combinators.
export * from './denoiser.js';
export * from './network.js';
export * from './gmm.js';
export * from './guidance.js';
