// Jobs: typed specs of what users run on a model (generate, the edits, the forward process), their defaults, and
// runJob; the CLI and the playground parse into these and render what they return.
export * from './specs.js';
export * from './pictures.js';
export * from './embeddings.js';
export * from './condition.js';
export * from './prompts.js';
export * from './run.js';
export * from './fields.js';
export * from './common-fields.js';
export * from './kinds.js';
export * from './worker-protocol.js';
export * from './worker.js';
export { defaultForwardTimes } from './forward.js';
/** Sampling an exact Gaussian mixture (gmm:FILE.json): its fields, parse and run, as a job file's. */
export * as mixtureJob from './mixture.js';
export type { MixtureSpec } from './mixture.js';
/** Evaluating a model (FID, KID, recognised, ...): its fields, parse and run, as a job file's. */
export * as evalJob from './eval.js';
export type { EvalAsk, EvalInputs, EvalMeasure, EvalReport, EvalSpec } from './eval.js';
export { samplingRun } from './output.js';
