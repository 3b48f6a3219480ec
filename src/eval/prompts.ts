// Prompt fidelity of a text-to-image model, measured on the feature classifier as bench:emoji measures it. A prompt
// names the classes of the pictures it is a caption of (bench:emoji's caption prompts take the class of the picture
// the caption was drawn from), or the class it is the name of. A sample is right at top-1 when the classifier's
// most likely class is one its prompt names, and at top-5 when one of them is among its five most likely. FID's
// reference for a prompted sample is a real picture of a class its prompt names.
import { Rng, noGrad, tidy, type Tensor } from '../engine/index.js';
import { textWords, type Classifier } from '../networks/index.js';
import type { Dataset } from '../data/index.js';

/** A text as the words a tokenizer reads: lower case, accents folded, punctuation and spacing aside. */
const promptKey = (text: string) => textWords(text).words.join(' ');

/**
 * The class ids each prompt names in a labelled dataset, ascending: the labels of the pictures it is a caption of,
 * else the class it is the name of; [] when it names none (or the data has no labels).
 */
export function promptClasses(d: Dataset, prompts: readonly string[]): number[][] {
  const byCaption = new Map(prompts.map((p) => [promptKey(p), new Set<number>()]));
  if (d.labels && d.captions) {
    d.captions.forEach((list, i) => {
      for (const c of list) byCaption.get(promptKey(c))?.add(d.labels![i]!);
    });
  }
  const byName = new Map(d.classNames.map((name, id) => [promptKey(name), id]));
  return prompts.map((p) => {
    const found = [...byCaption.get(promptKey(p))!].sort((a, b) => a - b);
    const id = byName.get(promptKey(p));
    return found.length > 0 ? found : id === undefined ? [] : [id];
  });
}

/**
 * Per image, how many classes the classifier finds strictly more likely than the likeliest of the classes named
 * for it (0: one of them is its first choice); -1 where none is named. features: (N, featureDim), from
 * classifyImages.
 */
export function namedClassRanks(
  net: Pick<Classifier, 'logitsOf'>,
  features: Tensor,
  named: readonly (readonly number[])[],
): Int32Array {
  const n = features.shape[0]!;
  if (named.length !== n) throw new Error(`namedClassRanks: ${named.length} class lists for ${n} images`);
  const logits = noGrad(() => tidy(() => net.logitsOf(features).toFloat32Array()));
  const k = logits.length / n;
  return Int32Array.from(named, (ids, i) => {
    if (ids.length === 0) return -1;
    const row = logits.subarray(i * k, (i + 1) * k);
    const best = Math.max(...ids.map((id) => row[id]!));
    return row.reduce((above, v) => above + (v > best ? 1 : 0), 0);
  });
}

/** Top-1 and top-5 shares of ranks (namedClassRanks) over the images with a named class; n: how many. */
export function topShares(ranks: ArrayLike<number>): { top1: number; top5: number; n: number } {
  let n = 0,
    top1 = 0,
    top5 = 0;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i]!;
    if (r < 0) continue;
    n += 1;
    top1 += r === 0 ? 1 : 0;
    top5 += r < 5 ? 1 : 0;
  }
  return { top1: n === 0 ? 0 : top1 / n, top5: n === 0 ? 0 : top5 / n, n };
}

/** How often the classifier assigns samples to a class their prompt names (samples cycle through the prompts). */
export interface PromptFidelity {
  /** Share of the samples whose prompt names a class that the classifier puts in one of them first. */
  top1: number;
  /** Share of those samples with one of the named classes among the classifier's five most likely. */
  top5: number;
  /** Samples counted: those whose prompt names a class. */
  n: number;
  perPrompt: { prompt: string; classes: string[]; n: number; top1: number; top5: number }[];
  /** Prompts that name no class of the classifier; their samples are not counted. */
  unnamed: string[];
}

/** Prompt fidelity of samples (sample i read prompts[i % k]) from their ranks; null when no prompt names a class. */
export function promptFidelity(
  ranks: Int32Array,
  prompts: readonly string[],
  named: readonly (readonly number[])[],
  classNames: readonly string[],
): PromptFidelity | null {
  const k = prompts.length;
  const all = topShares(ranks);
  if (all.n === 0) return null;
  const perPrompt = prompts.flatMap((prompt, j) => {
    if (named[j]!.length === 0) return [];
    const mine = ranks.filter((_, i) => i % k === j);
    return [{ prompt, classes: named[j]!.map((id) => classNames[id] ?? String(id)), ...topShares(mine) }];
  });
  return { ...all, perPrompt, unnamed: prompts.filter((_, j) => named[j]!.length === 0) };
}

/** The prompts that name no picture of d (pickPromptImages draws none for them). */
export function promptsWithoutPictures(
  d: Dataset,
  prompts: readonly string[],
  named: readonly (readonly number[])[],
): string[] {
  const present = new Set(d.labels ?? []);
  return prompts.filter((_, j) => !named[j]!.some((id) => present.has(id)));
}

/**
 * Indices of n pictures of d for prompted samples: picture i of a class prompt i % k names, each prompt's pictures
 * drawn in an order of rng and taken again from the start when they run out (a prompt naming two pictures repeats
 * them). null when some prompt names no picture of d.
 */
export function pickPromptImages(
  d: Dataset,
  n: number,
  named: readonly (readonly number[])[],
  rng: Rng,
): Int32Array | null {
  if (!d.labels || named.length === 0) return null;
  const order = rng.permutation(d.count);
  const pools = named.map((ids) => order.filter((i) => ids.includes(d.labels![i]!)));
  if (pools.some((p) => p.length === 0)) return null;
  const k = named.length;
  return Int32Array.from({ length: n }, (_, i) => {
    const pool = pools[i % k]!;
    return pool[Math.floor(i / k) % pool.length]!;
  });
}
