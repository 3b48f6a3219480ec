// A text model's example prompts: a handful of its training captions, stored in its run config so the playground
// and the CLI can offer prompts the model has learnt to follow. Drawn from the captions with the run's seed, so a
// run (or scripts/add-example-prompts.mjs, for a file trained before runs recorded them) gives the same ones.
import { Rng } from '../engine/index.js';
import { textWords } from '../networks/index.js';

/** How many example prompts a run records. */
export const EXAMPLE_PROMPT_COUNT = 8;
/** The most a stored config may hold, and the longest one in characters (a bound for files read back). */
export const MAX_EXAMPLE_PROMPTS = 32;
export const MAX_EXAMPLE_PROMPT_CHARS = 200;
/** Captions of at most this many words count as short: drawn before any longer one. */
const SHORT_WORDS = 3;

/**
 * `count` distinct captions of a captioned dataset, short ones first: each picture's first caption (its main one:
 * the emoji's name, a metadata row's first text), the pictures in an order drawn from `seed`; captions of up to 3
 * words come first in that order, then the longer ones, fewest words first. Two captions the tokenizer reads as
 * the same words count once; captions without words are skipped.
 */
export function drawExamplePrompts(
  captions: readonly (readonly string[])[],
  seed: number,
  count = EXAMPLE_PROMPT_COUNT,
): string[] {
  const seen = new Set<string>();
  const drawn: { text: string; words: number }[] = [];
  for (const i of new Rng(seed).permutation(captions.length)) {
    const text = captions[i]![0]?.trim() ?? '';
    const { words } = textWords(text);
    if (words.length === 0 || text.length > MAX_EXAMPLE_PROMPT_CHARS || seen.has(words.join(' '))) continue;
    seen.add(words.join(' '));
    drawn.push({ text, words: words.length });
  }
  // A stable sort: the seed's order within the short ones, and within each longer length.
  return drawn
    .sort((a, b) => Math.max(a.words, SHORT_WORDS) - Math.max(b.words, SHORT_WORDS))
    .slice(0, count)
    .map((d) => d.text);
}

/** A stored list of example prompts in words, for the message that refuses one. */
export const examplePromptsText = `a list of 1 to ${MAX_EXAMPLE_PROMPTS} prompts (ASCII text of 1 to ${MAX_EXAMPLE_PROMPT_CHARS} characters)`;

/** Whether a value read back from a file is a list of example prompts (examplePromptsText). */
export function isExamplePromptList(v: unknown): v is string[] {
  return (
    Array.isArray(v) &&
    v.length >= 1 &&
    v.length <= MAX_EXAMPLE_PROMPTS &&
    v.every(
      (p) =>
        typeof p === 'string' &&
        p.trim() !== '' &&
        p.length <= MAX_EXAMPLE_PROMPT_CHARS &&
        textWords(p).nonAscii === null,
    )
  );
}
