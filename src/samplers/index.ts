// Samplers: one pure function per algorithm, (denoiser, shape, options) -> samples.
export * from './names.js';
export * from './common.js';
export * from './ddpm.js';
export * from './ddim.js';
export * from './euler-maruyama.js';
export * from './predictor-corrector.js';
export * from './heun.js';
export * from './dpmpp-2m.js';
export * from './by-name.js';
