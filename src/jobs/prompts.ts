// Prompts as every door checks them before a job runs, without a model loaded (the playground's server validates
// requests in a process that holds no tensors): how a model reads prompts, and what is wrong with one.
import { textWords } from '../networks/tokenizer.js';

/** The longest prompt a job takes, in characters (far beyond any context; a bound for the doors). */
export const MAX_PROMPT_CHARS = 1000;

/** How a model reads prompts: its text encoder, stored condition vectors by name, or not at all. */
export type PromptReading = 'text' | 'stored' | 'none';

/**
 * What is wrong with `text` as a prompt for a model that reads prompts as `reads` ("is empty ..."), or null: the
 * check every door makes before a job runs (the model's own words are checked when it runs: unknown ones are
 * notes). The CLI and the server put the option's name in front.
 */
export function promptProblem(reads: PromptReading, text: string): string | null {
  if (reads === 'none') return 'the model reads no prompts';
  if (text.trim() === '') return 'is empty (leave it out for no condition, or give words)';
  if (text.length > MAX_PROMPT_CHARS) return `is longer than ${MAX_PROMPT_CHARS} characters`;
  const { nonAscii } = reads === 'text' ? textWords(text) : { nonAscii: null };
  if (nonAscii !== null)
    return `'${nonAscii}' is not a letter the model's tokenizer reads (ASCII letters and digits; accents are folded)`;
  return null;
}
