// difflab's public API. Layers (each imports only from those above it): engine, nn, io, networks, diffusion,
// denoisers, model, samplers, editing, data, train, eval; the CLI and the web playground sit on top.
export * from './engine/index.js';
export * from './nn/index.js';
export * from './io/index.js';
export * from './diffusion/index.js';
export * from './denoisers/index.js';
export * from './samplers/index.js';
export * from './networks/index.js';
export * from './model/index.js';
export * from './data/index.js';
export * from './train/index.js';
export * from './eval/index.js';
export * from './editing/index.js';
export * from './jobs/index.js';
