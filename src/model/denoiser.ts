// Trained model files as denoisers: the one crossing from a model file (loadModel: network + config) to the
// denoiser contract that sampling and editing consume. Editing itself never sees a network.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromNetwork, type Denoiser } from '../denoisers/index.js';
import { autocast, type Precision, type Tensor } from '../engine/index.js';
import { scheduleFromName, type Cond } from '../diffusion/index.js';
import type { Network } from '../networks/index.js';
import type { TrainConfig } from './config.js';
import { loadModel } from './file.js';

/** The pretrained class-conditional Fashion-MNIST model shipped with the package (dist/src/model -> repository root). */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../models/fashion-mnist.safetensors', import.meta.url));

export interface LoadedDenoiser {
  denoiser: Denoiser;
  /** Class names by id; empty for an unconditional model. */
  classNames: string[];
  /** The class id meaning "no class" (classifier-free guidance's unconditional branch): numClasses. */
  nullClass: number;
  /** [C, H, W] of the model's images. */
  imageShape: [number, number, number];
  config: TrainConfig;
  /** Training steps the weights saw. */
  step: number;
  /** The underlying network (EMA weights, eval mode); dispose() releases it. */
  network: Network;
  /** The precision the denoiser runs its network in. */
  precision: Precision;
}

export interface ImageDenoiserOptions {
  /**
   * 'bf16': the network's convolutions and matrix products run in bfloat16 (autocast) on channels-last weights;
   * the denoiser's inputs and outputs stay float32. Default 'fp32'. Any model runs in either precision.
   */
  precision?: Precision;
}

/**
 * A trained image network as a denoiser, with its run's schedule and prediction; x0 estimates kept in [-1, 1].
 * With precision 'bf16' the network is switched to channels-last weights (the fast layout for bf16 convolutions).
 */
export function imageDenoiser(network: Network, config: TrainConfig, o: ImageDenoiserOptions = {}): Denoiser {
  const precision = o.precision ?? 'fp32';
  if (precision === 'bf16' && network.memoryFormat !== 'channels-last') network.setMemoryFormat('channels-last');
  const run = (x: Tensor, t: Tensor, c: Cond) =>
    autocast(precision, () => network.forward(x, t, c ? { classes: c } : {})).to('float32');
  return fromNetwork(run, { schedule: scheduleFromName(config.schedule), prediction: config.prediction, clipX0: [-1, 1] });
}

/** Loads a model file (or training checkpoint) as a denoiser. A missing file is a one-line error. */
export function loadDenoiser(path: string = DEFAULT_MODEL_PATH, o: ImageDenoiserOptions = {}): LoadedDenoiser {
  if (!existsSync(path)) {
    throw new Error(path === DEFAULT_MODEL_PATH
      ? `the default model ${path} is not there (train one with difflab train --classes, or pass --model FILE)`
      : `${path}: no such model file`);
  }
  const { network, config, step } = loadModel(path);
  const precision = o.precision ?? 'fp32';
  const denoiser = imageDenoiser(network, config, { precision });
  const c = config.network.imageChannels;
  return {
    denoiser, classNames: [...config.classNames], nullClass: config.classNames.length,
    imageShape: [c, config.imageSize, config.imageSize], config, step, network, precision,
  };
}

/** A class given by name (case-insensitive) or id, as its id; unknown ones name the choices. */
export function classIdOf(spec: string, classNames: readonly string[]): number {
  if (classNames.length === 0) throw new Error(`class '${spec}': the model is unconditional`);
  const byName = classNames.findIndex((n) => n.toLowerCase() === spec.trim().toLowerCase());
  if (byName >= 0) return byName;
  const id = Number(spec);
  if (spec.trim() !== '' && Number.isInteger(id) && id >= 0 && id < classNames.length) return id;
  throw new Error(`unknown class '${spec}' (classes: ${classNames.map((n, i) => `${i}=${n}`).join(', ')})`);
}
