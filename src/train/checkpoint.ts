// Checkpoints: one safetensors file per save holding everything a run needs to continue exactly (model, EMA,
// optimizer moments, step) with the run's config in its metadata (the inference file is model/file.ts). Files
// are written atomically; old checkpoints are pruned.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dispose, tidy, type Tensor } from '../engine/index.js';
import { loadSafetensors, saveSafetensors } from '../io/index.js';
import {
  CHECKPOINT_FORMAT,
  DATA_MEAN_KEY,
  DATA_SPREAD_KEY,
  configOf,
  dataTensors,
  metadataCount,
  storedDataValues,
  tensorsUnder,
  type TrainConfig,
} from '../model/index.js';
import type { ImageValues } from '../denoisers/index.js';

/** What a checkpoint holds besides the config. */
export interface TrainingState {
  step: number;
  imagesSeen: number;
  /** Model parameters and buffers by name. */
  model: Record<string, Tensor>;
  /** EMA of the parameters, by the same names. */
  ema: Record<string, Tensor>;
  /** Adam's step and moments, in parameter order. */
  adam: { step: number; m: Tensor[]; v: Tensor[] };
  /** The training images' mean, stored for sampling from the checkpoint (model/file.ts); null in older ones. */
  dataMean?: ImageValues | null;
  /** Their spread along their main directions, stored with the mean; null in older ones. */
  dataSpread?: ImageValues | null;
}

export function checkpointDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}
export function checkpointPath(runDir: string, step: number): string {
  return join(checkpointDir(runDir), `step-${String(step).padStart(8, '0')}.safetensors`);
}
/** Checkpoint files of a run, oldest first. */
export function listCheckpoints(runDir: string): string[] {
  const dir = checkpointDir(runDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^step-\d{8}\.safetensors$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}
export function latestCheckpoint(runDir: string): string | null {
  return listCheckpoints(runDir).at(-1) ?? null;
}

/** Writes a checkpoint atomically, then deletes all but the newest keepLast. Returns its path. */
export function saveCheckpoint(runDir: string, config: TrainConfig, s: TrainingState): string {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(s.model)) tensors[`model.${k}`] = t;
  for (const [k, t] of Object.entries(s.ema)) tensors[`ema.${k}`] = t;
  s.adam.m.forEach((t, i) => {
    tensors[`adam.m.${i}`] = t;
  });
  s.adam.v.forEach((t, i) => {
    tensors[`adam.v.${i}`] = t;
  });
  const path = checkpointPath(runDir, s.step);
  const data = dataTensors(config, s.dataMean ?? null, s.dataSpread ?? null);
  Object.assign(tensors, data);
  try {
    saveSafetensors(path, tensors, {
      format: CHECKPOINT_FORMAT,
      config: JSON.stringify(config),
      step: String(s.step),
      imagesSeen: String(s.imagesSeen),
      adamStep: String(s.adam.step),
    });
  } finally {
    dispose(data);
  }
  for (const old of listCheckpoints(runDir).slice(0, -config.keepLast)) rmSync(old, { force: true });
  return path;
}

function indexed(all: Record<string, Tensor>, prefix: string): Tensor[] {
  const m = tensorsUnder(all, prefix);
  return Object.keys(m)
    .map(Number)
    .sort((a, b) => a - b)
    .map((i) => m[String(i)]!);
}

/**
 * Reads a full training checkpoint, checked whole: its format, config and counters, every value finite, and an
 * EMA and Adam moments for its parameters. A damaged one is a one-line error naming it.
 */
export function loadCheckpoint(path: string): { config: TrainConfig; state: TrainingState } {
  const { tensors, metadata } = loadSafetensors(path);
  try {
    if (metadata.format !== CHECKPOINT_FORMAT)
      throw new Error(`${path}: not a difflab training checkpoint (format '${metadata.format ?? 'none'}')`);
    const config = configOf(metadata, path);
    const [step, imagesSeen, adamStep] = ['step', 'imagesSeen', 'adamStep'].map((k) =>
      metadataCount(metadata, k, path),
    ) as [number, number, number];
    const nonFinite = Object.keys(tensors).find(
      (k) => tidy(() => tensors[k]!.isFinite().to('float64').sum().item()) !== tensors[k]!.size,
    );
    if (nonFinite !== undefined) throw new Error(`${path}: tensor ${nonFinite} holds non-finite values (NaN or Inf)`);
    // checked as loadModel checks them: a mean or spread of another image shape is refused here, not at sampling
    const { dataMean, dataSpread } = storedDataValues(tensors, config, path);
    const state: TrainingState = {
      step,
      imagesSeen,
      model: tensorsUnder(tensors, 'model.'),
      ema: tensorsUnder(tensors, 'ema.'),
      adam: { step: adamStep, m: indexed(tensors, 'adam.m.'), v: indexed(tensors, 'adam.v.') },
      dataMean,
      dataSpread,
    };
    tensors[DATA_MEAN_KEY]?.dispose(); // held as values in the state
    tensors[DATA_SPREAD_KEY]?.dispose();
    const emaCount = Object.keys(state.ema).length;
    const missing = Object.keys(state.ema).find((k) => !(k in state.model));
    if (
      emaCount === 0 ||
      missing !== undefined ||
      state.adam.m.length !== emaCount ||
      state.adam.v.length !== emaCount
    ) {
      throw new Error(
        `${path}: incomplete checkpoint (${Object.keys(state.model).length} model tensors, ${emaCount} EMA, ` +
          `${state.adam.m.length}/${state.adam.v.length} Adam moments)`,
      );
    }
    return { config, state };
  } catch (e) {
    dispose(tensors);
    throw e;
  }
}

/**
 * The newest checkpoint of a run that loads whole: a damaged newer one (a crash mid-copy, a bad disk) is skipped,
 * onSkip hearing why, and the one before it is taken. Null when the run has no checkpoint that loads.
 */
export function loadLatestCheckpoint(
  runDir: string,
  onSkip: (why: string) => void,
): ({ path: string } & ReturnType<typeof loadCheckpoint>) | null {
  const paths = listCheckpoints(runDir);
  for (let i = paths.length - 1; i >= 0; i--) {
    try {
      return { path: paths[i]!, ...loadCheckpoint(paths[i]!) };
    } catch (e) {
      onSkip((e as Error).message.split('\n')[0]!);
    }
  }
  return null;
}
