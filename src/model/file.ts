// The model file: a safetensors file whose metadata says what it is ('format'), holds the run's config (JSON) and
// the training step. Two formats: the inference file (EMA weights + config; what sampling, editing and evaluation
// load) and the full training checkpoint (model, EMA, optimizer moments; train/checkpoint.ts writes it), which
// loads as a model too (its EMA weights). Nothing here knows about training loops or sampling.
import { dispose, type Tensor } from '../engine/index.js';
import { loadSafetensors, saveSafetensors } from '../io/index.js';
import { buildNetwork, type Network } from '../networks/index.js';
import type { TrainConfig } from './config.js';

/** metadata.format of a full training checkpoint. */
export const CHECKPOINT_FORMAT = 'difflab-checkpoint-1';
/** metadata.format of an inference model file. */
export const MODEL_FORMAT = 'difflab-model-1';

/** The tensors whose names start with prefix, under their names without it. */
export function tensorsUnder(all: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
}

/** The run's config from a file's metadata, naming the file when it is missing or not JSON. */
export function configOf(metadata: Record<string, string>, path: string): TrainConfig {
  if (metadata.config === undefined) throw new Error(`${path}: no run config in the file's metadata`);
  try {
    return JSON.parse(metadata.config) as TrainConfig;
  } catch (e) {
    throw new Error(`${path}: the run config in the file's metadata is not JSON (${(e as Error).message})`);
  }
}

/** Writes the inference file: the EMA weights (buffers from the model) and the config. */
export function saveModel(path: string, config: TrainConfig, weights: Record<string, Tensor>, step: number): void {
  saveSafetensors(path, weights, { format: MODEL_FORMAT, config: JSON.stringify(config), step: String(step) });
}

/** A trained network ready for sampling (eval mode, EMA weights), from a model file or a training checkpoint. */
export interface LoadedModel {
  network: Network;
  config: TrainConfig;
  /** Training steps the weights saw: this run's steps plus, for a warm-started run, those of its init model. */
  step: number;
}

/** Loads a model file or a checkpoint (its EMA weights, or with weights 'raw' the trained ones). */
export function loadModel(path: string, o: { weights?: 'ema' | 'raw' } = {}): LoadedModel {
  const { tensors, metadata } = loadSafetensors(path);
  try {
    if (metadata.format !== MODEL_FORMAT && metadata.format !== CHECKPOINT_FORMAT) {
      throw new Error(`${path}: not a difflab model or checkpoint (format '${metadata.format ?? 'none'}')`);
    }
    const config = configOf(metadata, path);
    const network = buildNetwork(config.network);
    let weights = tensors;
    if (metadata.format === CHECKPOINT_FORMAT) {
      const model = tensorsUnder(tensors, 'model.');
      weights = o.weights === 'raw' ? model : { ...model, ...tensorsUnder(tensors, 'ema.') };
    }
    network.loadStateDict(weights);
    network.eval();
    return { network, config, step: Number(metadata.step) + (config.init?.step ?? 0) };
  } finally {
    dispose(tensors);
  }
}
