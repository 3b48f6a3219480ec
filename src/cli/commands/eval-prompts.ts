// `difflab eval --prompts FILE`: a model that reads text, measured over a list of prompts the samples cycle through,
// each conditioned (and guided against the empty prompt) exactly as `difflab sample --prompt` conditions it
// (jobs/eval.ts). Here the file's reading and the report's prompt rows.
import { evalJob, modelConditioning, promptKind, type LoadedDenoiser, type PromptFidelity } from '../../index.js';
import { UsageError } from '../command.js';
import { readPromptsFile } from '../prompts-file.js';

/** Prompt lines a report's table lists one by one; the rest are in the JSON. */
const LISTED_PROMPTS = 20;

/** --prompts FILE for a model that reads text; its unknown words are notes on stderr, once. */
export function readEvalPrompts(path: string, m: LoadedDenoiser): string[] {
  if (promptKind(m) !== 'text') throw new UsageError(`--prompts: ${m.source} reads no text (${modelConditioning(m)})`);
  const prompts = readPromptsFile(path, m);
  for (const note of evalJob.promptNotes(m, prompts)) console.error(`note: ${note}`);
  return prompts;
}

/** A share as a percentage with one decimal, as eval's tables write it. */
export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Table rows of prompt fidelity: top-1 and top-5, then per prompt. */
export function promptRows(f: PromptFidelity | null): [string, string, string][] {
  if (f === null) return [['prompt fidelity', 'n/a', 'no prompt names a class of the classifier']];
  const rows: [string, string, string][] = [
    [`prompt fidelity top-1 (${f.n} samples)`, pct(f.top1), ''],
    ['prompt fidelity top-5', pct(f.top5), ''],
  ];
  for (const p of f.perPrompt.slice(0, LISTED_PROMPTS))
    rows.push([`  ${p.prompt} -> ${p.classes.join(' | ')}`, `${pct(p.top1)} / ${pct(p.top5)}`, '']);
  if (f.perPrompt.length > LISTED_PROMPTS) rows.push([`  ... (${f.perPrompt.length} prompts in all)`, '', '']);
  if (f.unnamed.length > 0)
    rows.push([
      `  prompts naming no class: ${f.unnamed.length}`,
      '',
      f.unnamed
        .slice(0, 4)
        .map((p) => `'${p}'`)
        .join(', '),
    ]);
  return rows;
}
