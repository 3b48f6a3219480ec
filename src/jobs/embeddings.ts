// The condition vectors a job is given (a prompt's name, or an array from a .npy file) as the model's input, one
// row per image. Anything wrong with them is the caller's input: a JobInputError that names them.
import { basename } from 'node:path';
import { tensor, type Tensor } from '../engine/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { JobInputError } from './pictures.js';
import type { EmbeddingSpec } from './specs.js';

/** The job's condition vectors (count, ...embeddingShape) and a label for figures (the prompt or file name). */
export function jobEmbedding(m: LoadedDenoiser, e: EmbeddingSpec, count: number): { embedding: Tensor; label: string } {
  const name = 'prompt' in e ? `prompt '${e.prompt}'` : e.source;
  const shape = m.embeddingShape;
  if (!shape) throw new JobInputError(`${name}: the model takes no embeddings (it was trained without --embeddings)`);
  const names = Object.keys(m.prompts);
  if ('prompt' in e && !Object.hasOwn(m.prompts, e.prompt)) {
    throw new JobInputError(
      `unknown prompt '${e.prompt}' (${names.length > 0 ? `the model's prompts: ${names.join(', ')}` : 'the model stores none'})`,
    );
  }
  const array = 'prompt' in e ? m.prompts[e.prompt]! : e.array;
  const s = array.shape,
    want = `[${shape.join(', ')}]`;
  const rows =
    s.join() === shape.join()
      ? 1
      : s.length === shape.length + 1 && s.slice(1).join() === shape.join() && (s[0] === 1 || s[0] === count)
        ? s[0]!
        : null;
  if (rows === null) {
    throw new JobInputError(
      `${name}: shape [${s.join(', ')}] does not fit the model's embeddings: give ${want} (or [1, ...]) ` +
        `for every image, or [${count}, ${shape.join(', ')}], one per image`,
    );
  }
  if (!array.data.every(Number.isFinite)) throw new JobInputError(`${name}: holds non-finite values (NaN or Inf)`);
  const t = tensor(Float32Array.from(array.data), [rows, ...shape]);
  return {
    embedding: rows === count ? t : t.repeat([count, ...shape.map(() => 1)]),
    label: 'prompt' in e ? e.prompt : basename(e.source),
  };
}
