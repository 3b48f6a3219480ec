// --prompts FILE, as sample and eval read it: one prompt per line, blank lines skipped, each checked as --prompt is.
import { readFileSync } from 'node:fs';
import type { LoadedDenoiser } from '../index.js';
import { UsageError } from './command.js';
import { readPrompt } from './image-options.js';

/** Most prompts a --prompts file may list. */
export const MAX_PROMPTS = 1000;

/** The file's non-blank lines, trimmed; an unreadable or empty file, or a bad prompt, is a UsageError naming it. */
export function readPromptsFile(path: string, m: LoadedDenoiser): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`--prompts: cannot read '${path}'`);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const prompts = lines.filter((l) => l !== '');
  if (prompts.length === 0) throw new UsageError(`--prompts ${path}: no prompts (one per line)`);
  if (prompts.length > MAX_PROMPTS) throw new UsageError(`--prompts ${path}: more than ${MAX_PROMPTS} prompts`);
  for (const p of prompts) readPrompt(p, `prompts ${path}: line ${lines.indexOf(p) + 1}`, m);
  return prompts;
}
