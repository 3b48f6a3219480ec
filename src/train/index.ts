// Training: the loop, the loss, checkpoints, EMA, learning-rate schedule (the run's config is model/config.ts).
export * from './trainer.js';
export * from './loss.js';
export * from './checkpoint.js';
export * from './resume.js';
export * from './ema.js';
export * from './schedule.js';
export * from './data.js';
export * from './loss-plot.js';
export * from './single-step.js';
