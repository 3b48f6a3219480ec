// The model: a run's config, the model file that stores it with the weights, and a model file as a denoiser.
export * from './config.js';
export * from './checked-config.js';
export * from './train-fields.js';
export * from './example-prompts.js';
export * from './file.js';
export * from './denoiser.js';
export * from './classes.js';
