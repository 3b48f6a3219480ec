// Evaluation: the feature classifier's training and file, feature statistics, FID / KID / precision-recall,
// class accuracy and prompt fidelity of generated images, and the sample shards `difflab eval` resumes from.
export * from './classifier-train.js';
export * from './metrics.js';
export * from './shards.js';
export * from './evaluate.js';
export * from './prompts.js';
