// Trained image networks as denoisers: the one crossing from a network and its run's config (a model file, or the
// network in training) to the denoiser contract that sampling, editing and the training loss consume. Those never
// see a network.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromNetwork, type Denoiser, type ImageValues } from '../denoisers/index.js';
import { autocast, type BatchRandom, type Precision, type Tensor } from '../engine/index.js';
import { condParts, type Cond, type NetworkFn } from '../diffusion/index.js';
import type { NpyArray } from '../io/index.js';
import { UNet, type Network, type Tokenizer } from '../networks/index.js';
import { runSchedule, type TrainConfig } from './config.js';
import { loadModel } from './file.js';

/** The pretrained class-conditional Fashion-MNIST model shipped with the package (dist/src/model -> repository root). */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('../../../models/fashion-mnist.safetensors', import.meta.url));

export interface LoadedDenoiser {
  denoiser: Denoiser;
  /** The file it was loaded from (messages name it). */
  source: string;
  /** Class names by id; empty for an unconditional model. */
  classNames: string[];
  /** The class id meaning "no class" (classifier-free guidance's unconditional branch): numClasses. */
  nullClass: number;
  /** Shape of one image's condition vector, [D] or [L, D]; null: the model takes none. */
  embeddingShape: number[] | null;
  /**
   * The model's tokenizer when it reads text (a text encoder trained with it, config.network.text): prompts become
   * `{ tokens }` conditions through it, and the empty prompt is its null condition. Null: the model reads no text.
   */
  tokenizer: Tokenizer | null;
  /** Named condition vectors stored in the model file (`--prompt NAME`), each of embeddingShape. */
  prompts: Record<string, NpyArray>;
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

export interface ImageNetworkOptions {
  /**
   * 'bf16': the network's convolutions and matrix products run in bfloat16 (autocast) on channels-last weights;
   * its inputs and outputs stay float32. Default 'fp32'. Any model runs in either precision.
   */
  precision?: Precision;
  /** Draws label dropout when the network is in training mode (the trainer's per-row streams); unused in eval. */
  rng?: BatchRandom;
}

export interface ImageDenoiserOptions extends ImageNetworkOptions {
  /** Clamp for the x0 estimates; null: none (training, where a clamp would cut the gradient). Default [-1, 1]. */
  clipX0?: readonly [number, number] | null;
  /** The training images' mean, where samplers start (the model file's data.mean). Default: none (0). */
  priorMean?: ImageValues | null;
  /** The training images' spread along their main directions (data.spread; Denoiser.priorSpread). Default: none. */
  priorSpread?: ImageValues | null;
}

/**
 * A trained image network as a raw network function (x_t, t, cond): the one place its forward call and autocast
 * live. With precision 'bf16' the network is switched to channels-last weights (the fast layout for bf16
 * convolutions).
 */
export function imageNetwork(network: Network, o: ImageNetworkOptions = {}): NetworkFn {
  const precision = o.precision ?? 'fp32';
  if (precision === 'bf16' && network.memoryFormat !== 'channels-last') network.setMemoryFormat('channels-last');
  return (x: Tensor, t: Tensor, c: Cond) => {
    const parts = condParts(c);
    if (parts.embedding && !network.embeddingShape)
      throw new Error('this model takes no embedding (it was trained without --embeddings)');
    return autocast(precision, () => network.forward(x, t, c === null ? {} : { ...parts, rng: o.rng })).to('float32');
  };
}

/**
 * A trained image network as a denoiser, with its run's schedule and prediction; x0 estimates kept in [-1, 1]
 * unless told otherwise. Sampling, editing and the training loss all build their denoiser here.
 */
export function imageDenoiser(network: Network, config: TrainConfig, o: ImageDenoiserOptions = {}): Denoiser {
  const clipX0 = o.clipX0 === undefined ? ([-1, 1] as const) : o.clipX0;
  return fromNetwork(imageNetwork(network, o), {
    schedule: runSchedule(config),
    prediction: config.prediction,
    clipX0,
    priorMean: o.priorMean ?? null,
    priorSpread: o.priorSpread ?? null,
  });
}

/** Loads a model file (or training checkpoint) as a denoiser. A missing file is a one-line error. */
export function loadDenoiser(path: string = DEFAULT_MODEL_PATH, o: ImageDenoiserOptions = {}): LoadedDenoiser {
  if (!existsSync(path)) {
    throw new Error(
      path === DEFAULT_MODEL_PATH
        ? `the default model ${path} is not there (train one with difflab train --classes, or pass --model FILE)`
        : `${path}: no such model file`,
    );
  }
  const { network, config, step, prompts, dataMean, dataSpread } = loadModel(path);
  return modelDenoiser(network, config, {
    priorMean: dataMean,
    priorSpread: dataSpread,
    ...o,
    source: path,
    step,
    prompts,
  });
}

/**
 * A network and its run config as a model, as loadDenoiser makes one from a file: what jobs run on. The trainer's
 * previews use it on the EMA network while the run goes on.
 */
export function modelDenoiser(
  network: Network,
  config: TrainConfig,
  o: ImageDenoiserOptions & { source: string; step: number; prompts?: Record<string, NpyArray> },
): LoadedDenoiser {
  const precision = o.precision ?? 'fp32';
  const denoiser = imageDenoiser(network, config, o);
  const c = config.network.imageChannels;
  const { step, prompts = {} } = o;
  return {
    denoiser,
    source: o.source,
    classNames: [...config.classNames],
    nullClass: config.classNames.length,
    embeddingShape: network.embeddingShape,
    tokenizer: network instanceof UNet ? (network.textEncoder?.tokenizer ?? null) : null,
    prompts,
    imageShape: [c, config.imageSize, config.imageSize],
    config,
    step,
    network,
    precision,
  };
}
