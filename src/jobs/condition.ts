// What a job conditions on, turned into the model's input in one place for every job and every door (CLI, server,
// page): a class, a prompt (typed text for a model with a text encoder, or the name of a condition vector stored
// in the model), condition vectors from a file, and guidance's unconditional branch (the null class and the empty
// prompt, or a negative prompt). What does not fit the model is the caller's input: a JobInputError that names
// the model and the part.
import { indices, tensor, type Tensor } from '../engine/index.js';
import type { Cond, CondParts } from '../diffusion/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { jobEmbedding } from './embeddings.js';
import { JobInputError } from './pictures.js';
import { promptProblem, type PromptReading } from './prompts.js';
import type { ConditionSpec } from './specs.js';
import type { ModelInfo } from './worker-protocol.js';

/** A job's condition for a batch of n, the null condition guidance pulls away from, and a label for figures. */
export interface JobCondition {
  /** The condition; null when nothing is given (unconditional). */
  cond: Cond;
  /** Guidance's unconditional branch: the null class and the empty (or negative) prompt. */
  nullCond: Cond;
  /** The parts as generate() takes them: class ids, vectors, prompt ids, and the negative prompt's ids. */
  classes: number[] | null;
  embedding: Tensor | null;
  tokens: Tensor | null;
  nullTokens: Tensor | null;
  /** What the condition says, for titles and summaries ("red apple", "Sneaker", "vectors.npy"); '' for none. */
  label: string;
  /** A label per image (prompts and classes as given), for figures. */
  imageLabels: string[];
  /** Anything given at all (guidance needs it). */
  given: boolean;
}

/** How a model reads prompts (PromptReading). */
export function promptKind(m: LoadedDenoiser): PromptReading {
  return m.tokenizer ? 'text' : m.embeddingShape ? 'stored' : 'none';
}

/** A text model's example prompts (its config's); none for other models. */
const examplePromptsOf = (m: LoadedDenoiser): string[] => (m.tokenizer ? [...(m.config.examplePrompts ?? [])] : []);

/**
 * What a model is conditioned on, in words, for messages that refuse a part it does not read: "it reads text
 * prompts, e.g. 'black heart' or 'egypt flag'" (a text model's first two example prompts).
 */
export function modelConditioning(m: LoadedDenoiser): string {
  const examples = examplePromptsOf(m)
    .slice(0, 2)
    .map((p) => `'${p}'`);
  const parts = [
    ...(m.classNames.length > 0 ? [`${m.classNames.length} classes`] : []),
    ...(m.tokenizer ? ['text prompts'] : []),
    ...(m.embeddingShape ? [`condition vectors [${m.embeddingShape.join(', ')}]`] : []),
  ];
  if (parts.length === 0) return 'it is unconditional';
  return `it reads ${parts.join(' and ')}${examples.length > 0 ? `, e.g. ${examples.join(' or ')}` : ''}`;
}

const modelName = (m: LoadedDenoiser) => m.source;

/** What the doors check a job against before it runs (the server's runner reports it without its file name). */
export function modelInfo(m: LoadedDenoiser, o: { withSource?: boolean } = {}): ModelInfo {
  const s = m.denoiser.schedule;
  return {
    ...(o.withSource ? { source: m.source } : {}),
    classNames: m.classNames,
    reads: promptKind(m),
    conditioning: modelConditioning(m),
    examplePrompts: examplePromptsOf(m),
    imageShape: m.imageShape,
    trainingSteps: m.step,
    precision: m.precision,
    schedule: { name: s.name, tMin: s.tMin, tMax: s.tMax, numTimesteps: s.numTimesteps },
  };
}

/** Prompts as token ids (n, L) for a text model; unknown and cut words become notes. */
function tokens(m: LoadedDenoiser, prompts: readonly string[], what: string, notes: string[]): Tensor {
  const tok = m.tokenizer!;
  const ids = new Int32Array(prompts.length * tok.contextLength);
  for (const [i, p] of prompts.entries()) {
    if (i > 0 && p === prompts[i - 1]) {
      ids.copyWithin(i * tok.contextLength, (i - 1) * tok.contextLength, i * tok.contextLength);
      continue;
    }
    let e;
    try {
      e = tok.encode(p);
    } catch (err) {
      throw new JobInputError(`${what}: ${(err as Error).message}`);
    }
    ids.set(e.ids, i * tok.contextLength);
    const note = (s: string) => (notes.includes(s) ? undefined : notes.push(s));
    if (e.unknownWords.length > 0)
      note(`${what} '${p}': the model never saw ${e.unknownWords.map((w) => `'${w}'`).join(', ')} (read as unknown)`);
    if (e.droppedWords.length > 0)
      note(
        `${what} '${p}' is longer than the model's ${tok.contextLength - 1} words: cut before '${e.droppedWords.join(' ')}'`,
      );
  }
  return tensor(ids, [prompts.length, tok.contextLength]);
}

/** One prompt for every image, or one per image, as a list of n. */
function perImage(p: string | readonly string[], n: number, what: string, reads: PromptReading): string[] {
  const list = typeof p === 'string' ? [p] : [...p];
  if (list.length !== 1 && list.length !== n)
    throw new JobInputError(`${what}: ${list.length} prompts for ${n} images (give one, or one per image)`);
  for (const s of list) {
    const problem = promptProblem(reads, s);
    if (problem) throw new JobInputError(`${what} ${problem}`);
  }
  return list.length === n ? list : new Array<string>(n).fill(list[0]!);
}

/**
 * A job's condition for a batch of n images: classes (one id, or one per image), prompt and vectors checked
 * against what the model reads. `names` labels the parts in messages (a door passes its option names).
 */
export function jobCondition(
  m: LoadedDenoiser,
  c: ConditionSpec,
  n: number,
  notes: string[],
  names: { prompt?: string; negativePrompt?: string } = {},
): JobCondition {
  const promptName = names.prompt ?? 'prompt',
    negativeName = names.negativePrompt ?? 'negative prompt';
  const kind = promptKind(m);
  const parts: CondParts = {};
  const labels: string[][] = [];
  let classIds: number[] | null = null;
  if (c.classes !== undefined && c.classes !== null) {
    const ids = typeof c.classes === 'number' ? new Array<number>(n).fill(c.classes) : [...c.classes];
    if (ids.length !== n) throw new JobInputError(`${ids.length} classes for ${n} images`);
    const K = m.classNames.length;
    const bad = ids.find((k) => !Number.isInteger(k) || k < 0 || k >= K);
    if (bad !== undefined)
      throw new JobInputError(
        K === 0
          ? `${modelName(m)} has no classes (${modelConditioning(m)})`
          : `class ${bad} is not one of the model's ${K} classes`,
      );
    parts.classes = indices(ids);
    classIds = ids;
    labels.push(ids.map((k) => m.classNames[k]!));
  }
  if (c.prompt !== undefined && kind === 'none')
    throw new JobInputError(`${modelName(m)} reads no prompts: ${modelConditioning(m)}`);
  if (c.prompt !== undefined && kind === 'text') {
    const prompts = perImage(c.prompt, n, promptName, kind);
    parts.tokens = tokens(m, prompts, promptName, notes);
    labels.push(prompts);
  }
  if (c.prompt !== undefined && kind === 'stored') {
    if (typeof c.prompt !== 'string' && new Set(c.prompt).size > 1)
      throw new JobInputError(`${promptName}: ${modelName(m)} stores named vectors; give one name for every image`);
    const e = jobEmbedding(m, { prompt: typeof c.prompt === 'string' ? c.prompt : c.prompt[0]! }, n);
    parts.embedding = e.embedding;
    labels.push(new Array<string>(n).fill(e.label));
  }
  if (c.embedding !== undefined) {
    if (parts.embedding) throw new JobInputError('give condition vectors or a stored prompt, not both');
    const e = jobEmbedding(m, c.embedding, n);
    parts.embedding = e.embedding;
    labels.push(new Array<string>(n).fill(e.label));
  }
  const nullParts: CondParts = { classes: indices(new Array<number>(n).fill(m.nullClass)) };
  if (c.negativePrompt !== undefined) {
    if (kind !== 'text') throw new JobInputError(`${modelName(m)} reads no text for a ${negativeName}`);
    nullParts.tokens = tokens(m, perImage(c.negativePrompt, n, negativeName, kind), negativeName, notes);
  }
  const given = labels.length > 0;
  const imageLabels = Array.from({ length: n }, (_, i) => labels.map((l) => l[i]!).join(', '));
  const distinct = [...new Set(imageLabels)];
  return {
    cond: !given ? null : parts.embedding || parts.tokens ? parts : parts.classes!,
    nullCond: nullParts.tokens ? nullParts : nullParts.classes!,
    classes: classIds,
    embedding: parts.embedding ?? null,
    tokens: parts.tokens ?? null,
    nullTokens: nullParts.tokens ?? null,
    label: !given ? '' : distinct.length === 1 ? distinct[0]! : `${distinct.length} conditions`,
    imageLabels: given ? imageLabels : [],
    given,
  };
}
