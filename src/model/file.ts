// The model file: a safetensors file whose metadata says what it is ('format'), holds the run's config (JSON) and
// the training step. Two formats: the inference file (EMA weights + config; what sampling, editing and evaluation
// load) and the full training checkpoint (model, EMA, optimizer moments; train/checkpoint.ts writes it), which
// loads as a model too (its EMA weights). An inference file of a model trained on condition vectors may also carry
// named ones, its prompts (tensors `prompt.NAME`), the way seed 001 hands out precomputed prompt embeddings; a
// text model's config holds a few example prompts (typed text, not tensors). Both formats hold the mean of the
// training images (tensor `data.mean`, one image in [-1, 1]) and their spread along their main directions
// (`data.spread`, k images), where samplers start; files written before 2026-12-04 have neither and start at 0,
// files of 2026-12-04's first version the mean only (setDataMean adds both).
// Nothing here knows about training loops or sampling.
import { dispose, tensor, tidy, type Tensor } from '../engine/index.js';
import { editSafetensorsMetadata, loadSafetensors, saveSafetensors, type NpyArray } from '../io/index.js';
import { buildNetwork, embeddingShapeOf, type Network } from '../networks/index.js';
import { checkStoredConfig } from './checked-config.js';
import type { TrainConfig } from './config.js';
import type { ImageValues } from '../denoisers/index.js';

/** metadata.format of a full training checkpoint. */
export const CHECKPOINT_FORMAT = 'difflab-checkpoint-1';
/** metadata.format of an inference model file. */
export const MODEL_FORMAT = 'difflab-model-1';
/** Tensor names of a model file's prompts: PROMPT_PREFIX + NAME. */
export const PROMPT_PREFIX = 'prompt.';

/** The tensors whose names start with prefix, under their names without it. */
export function tensorsUnder(all: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, t]) => [k.slice(prefix.length), t]),
  );
}

/** The run's config from a file's metadata, naming the file, and the field when one is missing or wrong. */
export function configOf(metadata: Record<string, string>, path: string): TrainConfig {
  if (metadata.config === undefined) throw new Error(`${path}: no run config in the file's metadata`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata.config);
  } catch (e) {
    throw new Error(`${path}: the run config in the file's metadata is not JSON (${(e as Error).message})`);
  }
  try {
    return checkStoredConfig(parsed);
  } catch (e) {
    throw new Error(`${path}: the run config in the file's metadata: ${(e as Error).message}`);
  }
}

/** A count stored in the metadata (step, imagesSeen), naming the file and the field when it is not one. */
export function metadataCount(metadata: Record<string, string>, key: string, path: string): number {
  const n = Number(metadata[key]);
  if (metadata[key] === undefined || !/^\d+$/.test(metadata[key]!) || !Number.isSafeInteger(n)) {
    throw new Error(
      `${path}: metadata '${key}' must be a non-negative integer, got ${JSON.stringify(metadata[key]) ?? 'nothing'}`,
    );
  }
  return n;
}

/**
 * Loads weights into a network, naming the file: the file's tensors must be the network's (names, shapes, dtypes:
 * a relabelled dtype would load as garbage) and every value finite (NaN or Inf weights sample garbage).
 */
export function loadWeights(network: Network, weights: Record<string, Tensor>, path: string): void {
  const own = network.stateDict();
  for (const [k, t] of Object.entries(weights)) {
    if (own[k] && t.dtype !== own[k]!.dtype)
      throw new Error(`${path}: tensor ${k} is ${t.dtype}, the network's is ${own[k]!.dtype}`);
    const finite = tidy(() => t.isFinite().to('float64').sum().item());
    if (finite !== t.size)
      throw new Error(
        `${path}: tensor ${k} holds ${t.size - finite} non-finite values (NaN or Inf): the file is damaged or its run diverged`,
      );
  }
  try {
    network.loadStateDict(weights);
  } catch (e) {
    throw new Error(
      `${path}: its weights do not fit its network (${(e as Error).message.replace(/^loadStateDict: /, '')})`,
    );
  }
}

/** The tensor of a model file or checkpoint that holds the training images' mean. */
export const DATA_MEAN_KEY = 'data.mean';

/** The tensor of a model file or checkpoint that holds the training images' main directions times their spread. */
export const DATA_SPREAD_KEY = 'data.spread';

/** The data spread as the tensor a file stores (the caller disposes it), after checking its shape. */
export function dataSpreadTensor(config: TrainConfig, spread: ImageValues): Tensor {
  const want = [config.network.imageChannels, config.imageSize, config.imageSize];
  const [k, ...image] = spread.shape;
  if (!Number.isInteger(k) || k! < 1 || image.join() !== want.join())
    throw new Error(`the data spread has shape [${spread.shape.join(', ')}], not (k >= 1, ${want.join(', ')})`);
  if (!spread.data.every(Number.isFinite)) throw new Error('the data spread holds non-finite values');
  return tensor(spread.data, [k!, ...want]);
}

/** The data mean as the tensor a file stores (the caller disposes it), after checking its shape. */
export function dataMeanTensor(config: TrainConfig, mean: ImageValues): Tensor {
  const want = [config.network.imageChannels, config.imageSize, config.imageSize];
  if (mean.shape.join() !== want.join())
    throw new Error(`the data mean has shape [${mean.shape.join(', ')}], the model's images [${want.join(', ')}]`);
  if (!mean.data.every(Number.isFinite)) throw new Error('the data mean holds non-finite values');
  return tensor(mean.data, want);
}

/** The data.mean and data.spread tensors a file stores (checked; the caller disposes them); none for null. */
export function dataTensors(
  config: TrainConfig,
  mean: ImageValues | null,
  spread: ImageValues | null,
): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  if (mean) out[DATA_MEAN_KEY] = dataMeanTensor(config, mean);
  if (mean && spread) {
    try {
      out[DATA_SPREAD_KEY] = dataSpreadTensor(config, spread);
    } catch (e) {
      dispose(out);
      throw e;
    }
  }
  return out;
}

/**
 * Writes the inference file: the EMA weights (buffers from the model), the config, the data's mean image and its
 * spread (k images; kept only with a mean).
 */
export function saveModel(
  path: string,
  config: TrainConfig,
  weights: Record<string, Tensor>,
  step: number,
  dataMean: ImageValues | null,
  dataSpread: ImageValues | null = null,
): void {
  const data = dataTensors(config, dataMean, dataSpread);
  try {
    saveSafetensors(
      path,
      { ...weights, ...data },
      { format: MODEL_FORMAT, config: JSON.stringify(config), step: String(step) },
    );
  } finally {
    dispose(data);
  }
}

/**
 * Stores the training images' mean and spread in a model file or checkpoint written before files held them
 * (rewritten atomically; ones already there are replaced; no spread: one there is removed):
 * scripts/add-data-mean.mjs.
 */
export function setDataMean(path: string, mean: ImageValues, spread: ImageValues | null = null): void {
  const { tensors, metadata } = loadSafetensors(path);
  let data: Record<string, Tensor> = {};
  try {
    if (metadata.format !== MODEL_FORMAT && metadata.format !== CHECKPOINT_FORMAT)
      throw new Error(`${path}: not a difflab model or checkpoint (format '${metadata.format ?? 'none'}')`);
    data = dataTensors(configOf(metadata, path), mean, spread);
    const { [DATA_SPREAD_KEY]: _, ...kept } = tensors;
    saveSafetensors(path, { ...kept, ...data }, metadata);
  } finally {
    dispose(tensors);
    dispose(data);
  }
}

/** A stored tensor's values, checked as `check` checks them when written (the file named on failure). */
function checkedValues(t: Tensor, key: string, check: (v: ImageValues) => Tensor, path: string): ImageValues {
  const v = { data: t.toFloat32Array(), shape: [...t.shape] };
  try {
    check(v).dispose();
  } catch (e) {
    throw new Error(`${path}: tensor ${key}: ${(e as Error).message}`);
  }
  return v;
}

/**
 * A model file's or checkpoint's data.mean and data.spread as values, each checked against the run's image shape as
 * when written (the file named on failure); null where the file holds none.
 */
export function storedDataValues(
  tensors: Record<string, Tensor>,
  config: TrainConfig,
  path: string,
): { dataMean: ImageValues | null; dataSpread: ImageValues | null } {
  const [mean, spread] = [tensors[DATA_MEAN_KEY], tensors[DATA_SPREAD_KEY]];
  return {
    dataMean: mean ? checkedValues(mean, DATA_MEAN_KEY, (v) => dataMeanTensor(config, v), path) : null,
    dataSpread: spread ? checkedValues(spread, DATA_SPREAD_KEY, (v) => dataSpreadTensor(config, v), path) : null,
  };
}

/** A trained network ready for sampling (eval mode, EMA weights), from a model file or a training checkpoint. */
export interface LoadedModel {
  network: Network;
  config: TrainConfig;
  /** Training steps the weights saw: this run's steps plus, for a warm-started run, those of its init model. */
  step: number;
  /** Named condition vectors stored in the file (addPrompts), each of the network's embedding shape; often none. */
  prompts: Record<string, NpyArray>;
  /** The training images' mean (C, H, W), where samplers start; null in files written before it was stored. */
  dataMean: ImageValues | null;
  /** The training images' spread along their main directions (k, C, H, W); null in files without it. */
  dataSpread: ImageValues | null;
}

/** Checks named condition vectors against one image's condition shape ([D] or [L, D]; a leading 1 is allowed). */
export function checkPrompts(prompts: Record<string, NpyArray>, shape: readonly number[]): void {
  for (const [name, p] of Object.entries(prompts)) {
    if (name === '' || name.length > 200) throw new Error(`prompt names must have 1 to 200 characters, got '${name}'`);
    const given = p.shape[0] === 1 && p.shape.length === shape.length + 1 ? p.shape.slice(1) : p.shape;
    if (given.join() !== shape.join()) {
      throw new Error(`prompt '${name}' has shape [${p.shape.join(', ')}]; the model takes [${shape.join(', ')}]`);
    }
    if (!p.data.every(Number.isFinite)) throw new Error(`prompt '${name}' holds non-finite values (NaN or Inf)`);
  }
}

/**
 * Stores named condition vectors in a model file (rewritten atomically; a name already there is replaced). Each
 * must have the shape of one image's condition, [D] or [L, D] (a leading 1 is dropped).
 */
export function addPrompts(path: string, prompts: Record<string, NpyArray>): void {
  const { tensors, metadata } = loadSafetensors(path);
  const added: Record<string, Tensor> = {};
  try {
    if (metadata.format !== MODEL_FORMAT)
      throw new Error(`${path}: prompts go into a model file, not a '${metadata.format ?? 'none'}' file`);
    const shape = embeddingShapeOf(configOf(metadata, path).network);
    if (!shape) throw new Error(`${path}: the model takes no embeddings (it was trained without --embeddings)`);
    checkPrompts(prompts, shape);
    for (const [name, p] of Object.entries(prompts))
      added[PROMPT_PREFIX + name] = tensor(Float32Array.from(p.data), shape);
    saveSafetensors(path, { ...tensors, ...added }, metadata);
  } finally {
    dispose(tensors);
    dispose(added);
  }
}

/**
 * Stores example prompts in the run config of a model file or checkpoint (rewritten atomically), replacing any
 * there: for a text model trained before runs recorded them (scripts/add-example-prompts.mjs). Only the config's
 * examplePrompts changes: the tensors' bytes, the other metadata and the config's other fields stay as they were.
 */
export function setExamplePrompts(path: string, prompts: readonly string[]): void {
  editSafetensorsMetadata(path, (metadata) => {
    if (metadata.format !== MODEL_FORMAT && metadata.format !== CHECKPOINT_FORMAT)
      throw new Error(`${path}: not a difflab model or checkpoint (format '${metadata.format ?? 'none'}')`);
    configOf(metadata, path); // the file's config as loading checks it
    const config = { ...(JSON.parse(metadata.config!) as Record<string, unknown>), examplePrompts: [...prompts] };
    try {
      checkStoredConfig(config);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    return { ...metadata, config: JSON.stringify(config) };
  });
}

/** Loads a model file or a checkpoint (its EMA weights, or with weights 'raw' the trained ones). */
export function loadModel(path: string, o: { weights?: 'ema' | 'raw' } = {}): LoadedModel {
  const { tensors, metadata } = loadSafetensors(path);
  let network: Network | null = null;
  try {
    if (metadata.format !== MODEL_FORMAT && metadata.format !== CHECKPOINT_FORMAT) {
      throw new Error(`${path}: not a difflab model or checkpoint (format '${metadata.format ?? 'none'}')`);
    }
    const config = configOf(metadata, path);
    const step = metadataCount(metadata, 'step', path);
    try {
      network = buildNetwork(config.network);
    } catch (e) {
      throw new Error(`${path}: cannot build its network from the config (${(e as Error).message.split('\n')[0]})`);
    }
    const promptTensors = tensorsUnder(tensors, PROMPT_PREFIX);
    let weights = Object.fromEntries(
      Object.entries(tensors).filter(
        ([k]) => !k.startsWith(PROMPT_PREFIX) && k !== DATA_MEAN_KEY && k !== DATA_SPREAD_KEY,
      ),
    );
    if (metadata.format === CHECKPOINT_FORMAT) {
      const model = tensorsUnder(tensors, 'model.');
      weights = o.weights === 'raw' ? model : { ...model, ...tensorsUnder(tensors, 'ema.') };
    }
    loadWeights(network, weights, path);
    network.eval();
    const prompts = Object.fromEntries(
      Object.entries(promptTensors).map(([k, t]) => [k, { data: t.toFloat32Array(), shape: [...t.shape] }]),
    );
    const { dataMean, dataSpread } = storedDataValues(tensors, config, path);
    return { network, config, step: step + (config.init?.step ?? 0), prompts, dataMean, dataSpread };
  } catch (e) {
    network?.dispose();
    throw e;
  } finally {
    dispose(tensors);
  }
}
