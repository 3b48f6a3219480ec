// Editing: what people do with a trained denoiser. Generation with per-image seeds and GIF frames, SDEdit (a
// start point), inpainting (a per-step hook), visual anagrams and hybrid images (denoiser combinators), the
// forward-process strip and the denoising comparison. Built on denoisers and samplers; no sampler loops here.
export * from './common.js';
export * from './blur.js';
export * from './views.js';
export * from './anagram.js';
export * from './hybrid.js';
export * from './sdedit.js';
export * from './inpaint.js';
export * from './forward.js';
export * from './denoising.js';
export * from './frames.js';
export * from './generate.js';
