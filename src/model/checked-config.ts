// A run's config made or read back, both checked against the train fields (train-fields.ts): resolveTrainConfig
// makes one from the data's facts and the settings given, checkStoredConfig reads one from a file (config.json, a
// checkpoint, a model file) in today's terms.
import type { ScheduleName } from '../diffusion/index.js';
import { precisionChoices, resolvePrecision, type PrecisionChoice } from '../engine/index.js';
import { embeddingShapeOf, presetConfig, Tokenizer, type NetworkConfig } from '../networks/index.js';
import { DISCRETE_SCHEDULES, presetTrainDefaults, textDefaults, trainDefaults, type TrainConfig } from './config.js';
import { drawExamplePrompts, examplePromptsText, isExamplePromptList } from './example-prompts.js';
import { trainFieldProblem, type TrainFieldKey } from './train-fields.js';

/**
 * A full config from the data facts and any overrides; checks every value and names the bad one. Data with
 * condition vectors gives their per-image shape, [D] or [L, D], as embeddingShape.
 */
export function resolveTrainConfig(
  o: Omit<Partial<TrainConfig>, 'precision'> & {
    data: string;
    imageChannels: number;
    imageSize: number;
    classNames: string[];
    embeddingShape?: readonly number[];
    /**
     * The captions of a captioned dataset: the network reads text, its vocabulary learned from these, and its
     * example prompts drawn from them (unless given).
     */
    captions?: readonly (readonly string[])[];
    networkOverrides?: Partial<NetworkConfig>;
    precision?: PrecisionChoice;
  },
): TrainConfig {
  const { imageChannels, embeddingShape, captions, networkOverrides, precision: choice = 'auto', ...rest } = o;
  if (!precisionChoices.includes(choice))
    throw new Error(`train: precision must be ${precisionChoices.join('|')}, got '${choice}'`);
  const { precision } = resolvePrecision(choice);
  const preset = o.preset ?? trainDefaults.preset;
  const [length, dim] = embeddingShape?.length === 2 ? embeddingShape : [0, embeddingShape?.[0] ?? 0];
  const network =
    o.network ??
    presetConfig(preset, {
      imageChannels,
      numClasses: o.classNames.length,
      ...(dim ? { embeddingDim: dim, ...(length ? { embeddingLength: length } : {}) } : {}),
      ...(networkOverrides ?? {}),
    });
  if (captions && network.kind === 'unet' && !o.network) {
    const text = { ...textDefaults, ...(network.text ?? {}) };
    network.text = { ...text, vocabulary: [...Tokenizer.fromCaptions(captions.flat(), text.contextLength).vocabulary] };
  } else if (captions && network.kind !== 'unet') {
    throw new Error(`train: text needs a U-Net preset, not ${preset}`);
  } else if (!captions && network.kind === 'unet' && network.text) {
    throw new Error(`train: the ${preset} network reads text: train it on captioned data with --text`);
  }
  const shapeText = (x: readonly number[] | null | undefined) =>
    x ? `embeddings of shape [${x.join(', ')}]` : 'no embeddings';
  if (shapeText(embeddingShape) !== shapeText(embeddingShapeOf(network))) {
    throw new Error(
      network.kind !== 'unet'
        ? `train: embeddings need a U-Net preset (default or tiny), not ${preset}`
        : `train: the network takes ${shapeText(embeddingShapeOf(network))}, the data has ${shapeText(embeddingShape)} per image`,
    );
  }
  const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)); // absent = the default
  const c: TrainConfig = {
    ...trainDefaults,
    ...presetTrainDefaults[preset],
    ...given,
    preset,
    network,
    precision,
  } as TrainConfig;
  c.noiseLevels ??= c.prediction === 'edm' ? 'lognormal' : 'uniform'; // EDM's training distribution goes with it
  const drawn = captions && c.examplePrompts === undefined ? drawExamplePrompts(captions, c.seed) : [];
  if (drawn.length > 0) c.examplePrompts = drawn; // none where no caption has words
  const problem = trainFieldProblem(c);
  if (problem) throw new Error(`train: ${problem}`);
  if (
    c.examplePrompts !== undefined &&
    !(isExamplePromptList(c.examplePrompts) && network.kind === 'unet' && network.text)
  )
    throw new Error(`train: examplePrompts must be ${examplePromptsText}, of a network that reads text`);
  if (!Number.isInteger(c.plotEvery) || c.plotEvery < 1)
    throw new Error(`train: plotEvery must be a positive integer, got ${c.plotEvery}`);
  if (c.timesteps !== undefined && !DISCRETE_SCHEDULES.includes(c.schedule))
    throw new Error(`train: timesteps needs a discrete schedule (${DISCRETE_SCHEDULES.join(', ')}), not ${c.schedule}`);
  // lambda's own bound (> 1) is its field's; here the schedule it needs.
  if (c.lambda !== undefined && c.schedule !== 've')
    throw new Error(`train: lambda must be > 1 and needs the ve schedule, got ${c.lambda} with ${c.schedule}`);
  // Never stored by a new run: a stored 'score' on a score network is an old file's scaled score (upgradeStored).
  if (c.prediction === 'score')
    throw new Error(
      `train: prediction 'score' (the raw score, -eps / sigma_t, which grows as 1 / sigma_t) is not trained; ` +
        `'scaled-score' learns sigma_t times it, as the scoreUNet preset does`,
    );
  return c;
}

const isRecord = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
const isCount = (x: unknown, min: number) => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
/** Train fields every stored config has held; the others may be absent from a file older than them. */
const ALWAYS_STORED: readonly TrainFieldKey[] = ['schedule', 'prediction', 'steps', 'batchSize', 'seed'];

/**
 * A config read back from a file (JSON), checked where loading and resuming rely on it; the error names the field.
 * Its train fields (model/train-fields.ts) are checked against the bounds the command line and resolveTrainConfig
 * check; the network, the data's facts, the warm start and the example prompts here. Fields written by older
 * versions and since dropped pass; task, precision and example prompts may be absent (diffusion, fp32, none).
 */
export function checkStoredConfig(v: unknown): TrainConfig {
  checkStored(v);
  return upgradeStored(v);
}

/**
 * Throws naming the first field of v that loading and resuming cannot rely on; returning, v is a TrainConfig as
 * far as they read it (the network's own fields are buildNetwork's and loadWeights' to check, and a field the file
 * predates stays absent, since resuming compares the settings as they were written).
 */
function checkStored(v: unknown): asserts v is TrainConfig {
  if (!isRecord(v)) throw new Error('it is not a JSON object');
  const net = v.network;
  const checks: [string, unknown, boolean, string][] = [
    ['network', net, isRecord(net), 'an object'],
    [
      'network.kind',
      isRecord(net) ? net.kind : undefined,
      isRecord(net) && ['unet', 'classic', 'score'].includes(net.kind as string),
      'unet|classic|score',
    ],
    [
      'network.imageChannels',
      isRecord(net) ? net.imageChannels : undefined,
      isRecord(net) && (net.imageChannels === 1 || net.imageChannels === 3),
      '1 or 3',
    ],
    [
      'network.numClasses',
      isRecord(net) ? net.numClasses : undefined,
      isRecord(net) && isCount(net.numClasses, 0),
      'a non-negative integer',
    ],
    ['imageSize', v.imageSize, isCount(v.imageSize, 1) && (v.imageSize as number) <= 4096, 'an integer in [1, 4096]'],
    [
      'classNames',
      v.classNames,
      Array.isArray(v.classNames) &&
        v.classNames.every((c) => typeof c === 'string') &&
        isRecord(net) &&
        v.classNames.length === net.numClasses,
      `a list of network.numClasses names`,
    ],
    [
      'precision',
      v.precision,
      v.precision === undefined || v.precision === 'fp32' || v.precision === 'bf16',
      'fp32|bf16',
    ],
    [
      'init',
      v.init,
      v.init === undefined || (isRecord(v.init) && typeof v.init.model === 'string' && isCount(v.init.step, 0)),
      '{model, step}',
    ],
    [
      'examplePrompts',
      v.examplePrompts,
      v.examplePrompts === undefined || (isExamplePromptList(v.examplePrompts) && isRecord(net) && isRecord(net.text)),
      `${examplePromptsText}, of a network that reads text`,
    ],
  ];
  const bad = checks.find(([, , ok]) => !ok);
  if (bad) throw new Error(`'${bad[0]}' must be ${bad[3]}, got ${JSON.stringify(bad[1]) ?? 'nothing'}`);
  const problem = trainFieldProblem(v, ALWAYS_STORED);
  if (problem) throw new Error(problem);
  if (v.timesteps !== undefined && !DISCRETE_SCHEDULES.includes(v.schedule as ScheduleName))
    throw new Error(
      `'timesteps' needs a discrete schedule (${DISCRETE_SCHEDULES.join(', ')}), got ${JSON.stringify(v.schedule)}`,
    );
}

/**
 * A stored config in today's terms, the one place old files are mapped. Score networks used to divide their output
 * by sigma_t themselves and stored prediction 'score'; that division is now the 'scaled-score' prediction, so the
 * same weights give the same denoiser. resolveTrainConfig refuses 'score', so no newer file stores that pair.
 */
function upgradeStored(c: TrainConfig): TrainConfig {
  return c.network.kind === 'score' && c.prediction === 'score' ? { ...c, prediction: 'scaled-score' } : c;
}
