// Shared by the editing and image-CLI tests: a tiny class-conditional model trained in seconds on the embedded
// subset (its properties under test are exact for any denoiser, so quality does not matter), and a GIF reader.
import {
  Tokenizer,
  loadEmbeddedSubset,
  loadImageFolder,
  resolveTrainConfig,
  train,
  trainingSet,
  withFolderCaptions,
  type Dataset,
} from '../src/index.js';
import { tempDir } from './helpers.js';
import { textNet, writeShapeFolder } from './text-shapes.js';

/** Trains the 'tiny' preset for a few steps on the embedded Fashion-MNIST subset; returns the model file. */
export async function tinyModelFile(steps = 10): Promise<string> {
  const data = loadEmbeddedSubset();
  const config = resolveTrainConfig({
    data: 'subset',
    imageChannels: 1,
    imageSize: 28,
    classNames: [...data.classNames],
    preset: 'tiny',
    steps,
    batchSize: 16,
    lr: 2e-3,
    lrWarmupSteps: 2,
    checkpointEvery: steps,
    sampleEvery: 0,
    plotEvery: steps,
  });
  const dir = tempDir('difflab-tiny-model-');
  const result = await train(config, trainingSet(data), dir);
  return result.modelPath;
}

/** Logical screen size and number of frames (image descriptors) of a GIF, walking its block structure. */
export function gifInfo(b: Uint8Array): { width: number; height: number; frames: number } {
  const sig = String.fromCharCode(...b.subarray(0, 6));
  if (sig !== 'GIF89a' && sig !== 'GIF87a') throw new Error(`not a GIF (${sig})`);
  const width = b[6]! | (b[7]! << 8),
    height = b[8]! | (b[9]! << 8);
  let p = 13 + (b[10]! & 0x80 ? 3 << ((b[10]! & 7) + 1) : 0);
  const skipSubBlocks = () => {
    while (b[p]! !== 0) p += b[p]! + 1;
    p++;
  };
  let frames = 0;
  for (;;) {
    const block = b[p++];
    if (block === 0x3b) return { width, height, frames }; // trailer
    if (block === 0x21) {
      p++;
      skipSubBlocks();
      continue;
    } // extension: label, sub-blocks
    if (block !== 0x2c) throw new Error(`bad GIF block 0x${block?.toString(16)} at ${p - 1}`);
    frames++;
    const flags = b[p + 8]!;
    p += 9 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
    p++; // LZW minimum code size
    skipSubBlocks();
  }
}

/**
 * Trains a tiny text-to-image model for a few steps on coloured shapes captioned "red circle", "blue square", ...
 * (12 px RGB, or the folder `shapes` asks for); returns the model file and the captioned data it learnt from. It
 * reads text only: class folders label the data (for a classifier) but not the model.
 */
export async function tinyTextModel(
  o: { steps?: number; shapes?: Partial<Parameters<typeof writeShapeFolder>[1]>; out?: string } = {},
): Promise<{ modelPath: string; data: Dataset; folder: string }> {
  const steps = o.steps ?? 6;
  const shapes = { size: 12, per: 2, heldOut: [], ...o.shapes };
  const dir = writeShapeFolder(tempDir('difflab-shapes-'), shapes);
  const data = withFolderCaptions(
    loadImageFolder(dir, { size: shapes.size, channels: 3, cacheDir: null }).dataset,
    dir,
  );
  const config = resolveTrainConfig({
    data: `folder:${dir}`,
    imageChannels: 3,
    imageSize: shapes.size,
    classNames: [],
    captions: data.captions!,
    networkOverrides: textNet([]),
    preset: 'tiny',
    prediction: 'v',
    schedule: 'cosine',
    steps,
    batchSize: 8,
    lr: 2e-3,
    lrWarmupSteps: 2,
    checkpointEvery: steps,
    sampleEvery: 0,
    plotEvery: steps,
  });
  const vocabulary = config.network.kind === 'unet' ? config.network.text!.vocabulary : [];
  const unlabelled = { ...data, labels: null, classNames: [] };
  const result = await train(
    config,
    trainingSet(unlabelled, { tokenizer: new Tokenizer(vocabulary, 6) }),
    o.out ?? tempDir('difflab-tiny-text-'),
  );
  return { modelPath: result.modelPath, data, folder: dir };
}

/** tinyTextModel's file alone. */
export async function tinyTextModelFile(steps = 6): Promise<string> {
  return (await tinyTextModel({ steps })).modelPath;
}
