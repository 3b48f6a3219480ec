// Networks: map (x, time, class, condition vector) to a tensor and know nothing of noise schedules.
export { Network, type MemoryFormat, type BlockTracer } from './network.js';
export {
  dropLabels,
  dropMask,
  conditionDrops,
  classIdArray,
  effectiveClasses,
  TimeFeatureMap,
  type ClassLabels,
  type NetworkCond,
  type TimeFeatures,
} from './conditioning.js';
export {
  VectorCondition,
  embeddingShapeOf,
  checkEmbeddingConfig,
  type EmbeddingConfig,
} from './vector-conditioning.js';
export { ResBlock, AttentionBlock, CrossAttention, Downsample, Upsample, type ResBlockOptions } from './blocks.js';
export { convTranspose2dViaConv, FastConvTranspose2d } from './conv-transpose.js';
export { UNet, unetConfig, type UNetConfig } from './unet.js';
export { ClassicUNet, classicUNetConfig, type ClassicUNetConfig } from './classic-unet.js';
export { ScoreUNet, scoreUNetConfig, type ScoreUNetConfig } from './score-unet.js';
export {
  buildNetwork,
  networkPresets,
  presetNames,
  presetConfig,
  sizeFactorOf,
  type NetworkConfig,
  type ResolvedNetworkConfig,
  type BuildOptions,
  type PresetName,
} from './presets.js';
export { summary, type NetworkSummary, type BlockSummary } from './summary.js';
export { Classifier, classifierConfig, type ClassifierConfig } from './classifier.js';
export { Tokenizer, textWords, PAD_ID, UNK_ID, END_ID, type EncodedText } from './tokenizer.js';
export { TextEncoder, checkTextConfig, type TextEncoderConfig } from './text-encoder.js';
