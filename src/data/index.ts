// Data: IDX files, image folders, the embedded subset, condition vectors per image, and batches (pixels become
// [-1, 1] here only).
export {
  FASHION_MNIST_CLASSES,
  MNIST_CLASSES,
  makeDataset,
  subsetOf,
  withEmbeddings,
  embeddingRows,
  type Dataset,
} from './dataset.js';
export { FASHION_MNIST_DIR, parseIdx, readIdxFile, loadMnist, type IdxArray, type MnistOptions } from './idx.js';
export {
  FOLDER_IMAGE_SIZE,
  loadImageFolder,
  prepareImageFolder,
  type ImageFolderOptions,
  type ImageFolderResult,
} from './folder.js';
export { fitImage, type FitMode } from './resize.js';
export { EMBEDDED_SUBSET_PATH, loadEmbeddedSubset } from './subset.js';
export { batches, batchImages, meanImage, type Batch, type BatchOptions } from './batches.js';
export { principalSpread, SPREAD_DIRECTIONS } from './spread.js';
export { checkDataSpec, loadDataset, loadDatasetAsync, heldOutSpec, dataSourcesText, type LoadedData } from './spec.js';
export { loadMnistDigits, mnistDigitsDir } from './mnist-digits.js';
export { loadMnistFull, mnistFullDir } from './mnist-full.js';
export {
  loadImageInput,
  imageInput,
  isGreyImage,
  loadMask,
  maskInput,
  boxMask,
  readImageFile,
  type ImageInput,
  type ImageInputOptions,
} from './image-file.js';
export { withFolderCaptions, METADATA_FILE } from './captions.js';
export {
  EMOJI_IMAGE_SIZE,
  loadEmoji,
  emojiPackages,
  emojiVendors,
  vendorWords,
  type EmojiOptions,
  type EmojiInfo,
  type EmojiVendor,
} from './emoji.js';
