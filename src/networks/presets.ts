// Building a network from its JSON config (what checkpoints store), and the named presets.
import { Rng, tidy } from '../engine/index.js';
import { ClassicUNet, classicUNetConfig, type ClassicUNetConfig } from './classic-unet.js';
import type { MemoryFormat, Network } from './network.js';
import { ScoreUNet, scoreUNetConfig, type ScoreUNetConfig } from './score-unet.js';
import { UNet, unetConfig, type UNetConfig } from './unet.js';

/** Any network's architecture, discriminated by `kind`; fields left out take the documented defaults. */
export type NetworkConfig =
  | ({ kind: 'unet' } & Partial<UNetConfig>)
  | ({ kind: 'classic' } & Partial<ClassicUNetConfig>)
  | ({ kind: 'score' } & Partial<ScoreUNetConfig>);

/** The same, with every field filled in (what a built network reports as `config`). */
export type ResolvedNetworkConfig = UNetConfig | ClassicUNetConfig | ScoreUNetConfig;

export interface BuildOptions {
  /** Draws the initial weights (a checkpoint's weights replace them). Default: new Rng(0). */
  rng?: Rng;
  /**
   * Memory layout of weights and activations. Default 'contiguous' (NCHW). Channels-last made the default
   * preset's convolutions faster (bench/channels-last.ts); in fp32, when groupNorm still ran in NCHW with two
   * layout copies per call (before the fused kernel), the default preset trained slightly faster in NCHW (2.84 s
   * vs 3.04 s per batch of 128, forward+backward, no attention).
   */
  memoryFormat?: MemoryFormat;
}

/** A network built from its config. The one way to make a network from data (presets, checkpoints). */
export function buildNetwork(config: NetworkConfig, o: BuildOptions = {}): Network & { config: ResolvedNetworkConfig } {
  const rng = o.rng ?? new Rng(0);
  // In a scope: the weights are kept (Module.param), every temporary of their initialisation is released.
  return tidy(() => {
    let net: Network & { config: ResolvedNetworkConfig };
    switch (config.kind) {
      case 'unet':
        net = new UNet(config, { rng });
        break;
      case 'classic':
        net = new ClassicUNet(config, { rng });
        break;
      case 'score':
        net = new ScoreUNet(config, { rng });
        break;
      default:
        throw new Error(
          `buildNetwork: unknown network kind '${(config as { kind: unknown }).kind}' (unet|classic|score)`,
        );
    }
    return net.setMemoryFormat(o.memoryFormat ?? 'contiguous');
  });
}

/**
 * What a network's image height and width must be divisible by: 2 to the U-Net's number of halvings (its levels
 * less one), 4 for the classic U-Net (two halvings), 1 for the score U-Net. The networks' forward checks the same.
 */
export function sizeFactorOf(config: NetworkConfig): number {
  if (config.kind === 'unet') return 2 ** (unetConfig(config).channelMults.length - 1);
  return config.kind === 'classic' ? 4 : 1;
}

const fashionMnist = { imageChannels: 1, numClasses: 10 } as const;

/** The named network presets, all class-conditional on the 10 Fashion-MNIST classes and 28x28x1. */
export const networkPresets = {
  /**
   * The Fashion-MNIST U-Net: 32/64/96 channels at 28/14/7, 1.7M parameters; CPU-trainable. No self-attention:
   * at 7x7 it cost a fifth of each training step here (libtorch's CPU bmm on small matrices) for little gain on
   * 28x28 images; `attentionLevels: [2]` puts it back.
   */
  default: unetConfig({
    ...fashionMnist,
    baseChannels: 32,
    channelMults: [1, 2, 3],
    blocksPerLevel: 1,
    attentionLevels: [],
  }),
  /** ~40K parameters for tests and smoke runs: 8/16 channels, attention only in the middle. */
  tiny: unetConfig({
    ...fashionMnist,
    baseChannels: 8,
    channelMults: [1, 2],
    blocksPerLevel: 1,
    attentionLevels: [],
    attentionHeads: 1,
    embedDim: 16,
    groups: 4,
  }),
  /**
   * Text-to-image on the emoji corpus (32x32 RGB): 48/96/96 channels at 32/16/8 (3.4M parameters; width 64 was
   * 5.5M and half the speed here), self- and cross-attention at 8x8 and in the middle, and GLIDE's jointly trained
   * text encoder (2 blocks of width 128, 16 tokens; its vocabulary is learned from the captions when the run starts).
   */
  emoji: unetConfig({
    imageChannels: 3,
    numClasses: 0,
    baseChannels: 48,
    channelMults: [1, 2, 2],
    blocksPerLevel: 1,
    attentionLevels: [2],
    attentionHeads: 4,
    text: { vocabulary: [], contextLength: 16, width: 128, layers: 2, heads: 4 },
  }),
  /** The teaching project's small MNIST U-Net (seed 001), D = 64, time and class FCBlocks. */
  classicUNet: classicUNetConfig({ ...fashionMnist, hidden: 64 }),
  /** The teaching project's single-step denoiser (part 1): the same U-Net with D = 128, no time or class input. */
  singleStep: classicUNetConfig({ ...fashionMnist, numClasses: 0, hidden: 128, timeInput: 'none' }),
  /** The score-SDE tutorial's U-Net (seed 000); trained with the 'scaled-score' prediction (score = output / sigma_t). */
  scoreUNet: scoreUNetConfig({ ...fashionMnist }),
} satisfies Record<string, ResolvedNetworkConfig>;

export type PresetName = keyof typeof networkPresets;
export const presetNames = Object.keys(networkPresets) as PresetName[];

/** A preset's config, with overrides (e.g. { imageChannels: 3 } or { numClasses: 0 }). */
export function presetConfig(name: string, overrides: Record<string, unknown> = {}): ResolvedNetworkConfig {
  if (!(name in networkPresets)) throw new Error(`unknown network preset '${name}' (one of ${presetNames.join(', ')})`);
  return { ...networkPresets[name as PresetName], ...overrides } as ResolvedNetworkConfig;
}
