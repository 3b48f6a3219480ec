// `difflab train`'s fields: the run config's (model/train-fields.ts: type, default, bounds and help, once) and the
// command's own (the network preset, the data source's, epochs, previews, processes). Its options, help and bound
// checks are made from them through the CLI door; here too the checks between options that need no data, and
// --width and --attention, whose bounds are the preset's.
import {
  PIXEL_TO_DATA_SIGMA,
  choice,
  flag,
  int,
  isGiven,
  numbers,
  presetConfig,
  presetNames,
  readChoice,
  readFlag,
  readGiven,
  readNumber,
  readNumbers,
  real,
  singleStepTestSigmas,
  trainDefaults,
  trainFields,
  type SpecOf,
  type UNetConfig,
} from '../../index.js';
import { UsageError, numList, num } from '../command.js';
import { cliDoor } from '../door.js';
import { MAX_TRAIN_IMAGE_SIZE } from '../limits.js';

/** The run config's fields as options: --denoise-sigma on the seeds' [0, 1] pixel scale, the config's on the data. */
const configFields = {
  ...trainFields,
  denoiseSigma: {
    ...trainFields.denoiseSigma,
    default: trainDefaults.denoiseSigma / PIXEL_TO_DATA_SIGMA,
    help: 'task denoise: the noise level it learns to remove, on [0, 1] pixels as in the seeds',
  },
};

export const trainOptionFields = {
  preset: choice(
    presetNames,
    trainDefaults.preset,
    `network preset: ${presetNames.join('|')} (difflab model --summary)`,
  ),
  ...configFields,
  epochs: real(
    undefined,
    { above: 0 },
    "train this many passes over the data (instead of --steps): an epoch is the data's pictures (mnist: 9,000 digits; mnist-full, the seeds' MNIST: 60,000; fashion-mnist: 60,000); train prints the pictures seen",
  ),
  sweepSigmas: {
    ...numbers({ min: 0 }, 'task denoise: the levels its held-out figure tries, on [0, 1] pixels'),
    defaultText: singleStepTestSigmas.join(','),
  },
  classes: flag("class-conditional on the data's labels (with label dropout for guidance)"),
  text: flag(
    'text-to-image: a text encoder trained with the U-Net reads the captions (emoji; folder:DIR with a metadata.jsonl or a .txt per picture), the empty caption dropped in for guidance',
  ),
  size: int(28, { min: 4, max: MAX_TRAIN_IMAGE_SIZE }, 'folder data: image size'),
  channels: choice(['1', '3'], '1', 'folder data: 1 (grey) or 3 (RGB)'),
  badFiles: choice(['fail', 'skip'], 'fail', 'folder data: fail | skip unreadable images'),
  previewEpochs: numbers(
    {},
    "also draw a sample grid at the end of these epochs (e.g. 1,5,10,15,20: the seeds' series), titled with the epoch",
  ),
  previewGuidance: {
    ...real(
      undefined,
      { min: 0, max: 20 },
      'classifier-free guidance of the class previews (the seed draws its class series at 5)',
    ),
    defaultText: '1 (3 for text)',
  },
  nproc: {
    ...int(
      undefined,
      { min: 1, max: 1024 },
      'data parallel: run N processes here, cores split, --batch stays the global batch (under torchrun/SLURM: WORLD_SIZE etc. instead); auto: one process per core on the CPU (fewer where the batch would not split into >= 16 each), one for runs under 500 steps and on a GPU: two processes of one thread train faster than one of two (npm run bench:dist) and give the same weights',
    ),
    defaultText: 'auto',
  },
};

/** What the options say, read and checked: the config's settings given and the command's own. */
export interface TrainOptions {
  /** The config's settings given, on its scales (the rest are resolveTrainConfig's: trainDefaults or the preset's). */
  config: SpecOf<typeof trainFields>;
  preset: string;
  /** How to read folder data (size only where given: other sources bring their own). */
  folder: { size?: number; channels: 1 | 3; onBadFile: 'fail' | 'skip' };
  /** The held-out set's image size. */
  size: number;
  epochs?: number;
  sweepLevels: number[];
  previewEpochs: number[];
  previewGuidance?: number;
  classes: boolean;
  text: boolean;
  nproc: number | 'auto';
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** The options of a run on data `spec`, each checked against its field, and the combinations refused. */
export function readTrainOptions(v: Values, spec: string): TrainOptions {
  const f = trainOptionFields;
  const door = cliDoor(f, v);
  const given = readGiven(door, configFields, undefined);
  const size = readNumber(door, 'size', f.size, undefined)!;
  const o: TrainOptions = {
    config: {
      ...given,
      ...(given.denoiseSigma !== undefined ? { denoiseSigma: PIXEL_TO_DATA_SIGMA * given.denoiseSigma } : {}),
    },
    preset: readChoice(door, 'preset', f.preset)!,
    folder: {
      ...(isGiven(door, 'size') ? { size } : {}),
      channels: readChoice(door, 'channels', f.channels) === '3' ? 3 : 1,
      onBadFile: readChoice(door, 'badFiles', f.badFiles)!,
    },
    size,
    epochs: readNumber(door, 'epochs', f.epochs, undefined),
    sweepLevels: readNumbers(door, 'sweepSigmas', f.sweepSigmas, undefined) ?? [...singleStepTestSigmas],
    previewEpochs: readNumbers(door, 'previewEpochs', f.previewEpochs, undefined) ?? [],
    previewGuidance: readNumber(door, 'previewGuidance', f.previewGuidance, undefined),
    classes: readFlag(door, 'classes'),
    text: readFlag(door, 'text'),
    nproc: v.nproc === undefined || v.nproc === 'auto' ? 'auto' : readNumber(door, 'nproc', f.nproc, undefined)!,
  };
  const firstGiven = (keys: readonly (keyof typeof f)[]) => keys.find((k) => isGiven(door, k));
  const folderOnly = firstGiven(['size', 'channels', 'badFiles']);
  if (folderOnly && !spec.startsWith('folder:') && !(folderOnly === 'size' && spec.startsWith('emoji')))
    throw new UsageError(`${door.name(folderOnly)} applies to folder:DIR data only (${spec} brings its own)`);
  const architecture = ['preset', 'width', 'attention'].find((k) => v[k] !== undefined);
  if (v.init !== undefined && architecture)
    throw new UsageError(`--${architecture} does not apply with --init (the model file brings its network)`);
  if (o.epochs !== undefined && isGiven(door, 'steps')) throw new UsageError('give --steps or --epochs, not both');
  if (o.config.task === 'denoise') {
    const meaningless = firstGiven([
      'prediction',
      'objective',
      'minSnrGamma',
      'schedule',
      'lambda',
      'timesteps',
      'noiseLevels',
    ]);
    if (meaningless)
      throw new UsageError(
        `${door.name(meaningless)} does not apply to --task denoise (one noise level, x0 prediction)`,
      );
  } else {
    const denoiseOnly = firstGiven(['denoiseSigma', 'sweepSigmas']);
    if (denoiseOnly) throw new UsageError(`${door.name(denoiseOnly)} applies to --task denoise only`);
  }
  return o;
}

/**
 * --width and --attention: changes to a preset's architecture. Width is the U-Net's first level (its embedding
 * width follows) or the seed U-Net's D; attention levels are the U-Net's.
 */
export function readArchitecture(v: Values, preset: string): Partial<UNetConfig> | { hidden?: number } {
  if (v.width === undefined && v.attention === undefined) return {};
  const base = presetConfig(preset);
  if (v.attention !== undefined && base.kind !== 'unet')
    throw new UsageError(`--attention applies to the U-Net presets (default, tiny), not ${preset}`);
  if (base.kind === 'score')
    throw new UsageError(`--width applies to the U-Net presets and the seed U-Nets, not ${preset}`);
  const o: Partial<UNetConfig> & { hidden?: number } = {};
  if (v.width !== undefined) {
    const width = num(v.width, 'width', undefined, { min: base.groups, max: 1024, integer: true });
    if (width % base.groups !== 0)
      throw new UsageError(`--width must be a multiple of ${base.groups} (the GroupNorm groups), got ${width}`);
    // The embedding keeps the preset's ratio to the first level's width (default 4x, tiny 2x).
    const embedDim = base.kind === 'unet' ? Math.round((width * base.embedDim) / base.baseChannels) : 0;
    Object.assign(o, base.kind === 'unet' ? { baseChannels: width, embedDim } : { hidden: width });
  }
  if (v.attention !== undefined && base.kind === 'unet') {
    const levels = v.attention === 'none' ? [] : numList(v.attention, 'attention', []);
    const bad = levels.find((l) => !Number.isInteger(l) || l < 0 || l >= base.channelMults.length);
    if (bad !== undefined)
      throw new UsageError(
        `--attention: levels are 0..${base.channelMults.length - 1} (or none), got ${String(v.attention)}`,
      );
    o.attentionLevels = [...new Set(levels)].sort((a, b) => a - b);
  }
  return o;
}
