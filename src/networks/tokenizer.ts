// Text to token ids for the text encoder (text-encoder.ts): a word vocabulary learned from a corpus's captions and
// stored in the model file, so sampling needs nothing else (GLIDE trains its own encoder on its captions too,
// Nichol et al. 2021). Words are lower-case ASCII letters and digits; accents are folded (NFKD), anything else
// separates words. A word the vocabulary lacks becomes <unk> (the caller is told which), and every prompt ends in
// <end> and is padded to the context length; the empty prompt ("<end>" then padding) is the null condition.

/** Reserved ids: padding after the end, unknown words, the end of the text. */
export const PAD_ID = 0;
export const UNK_ID = 1;
export const END_ID = 2;
const SPECIAL = ['<pad>', '<unk>', '<end>'];

/** A prompt as ids, with what a user should be told about it. */
export interface EncodedText {
  /** contextLength ids: words, <end>, padding. */
  ids: Int32Array;
  /** Words the vocabulary does not know (each became <unk>). */
  unknownWords: string[];
  /** Words cut because the prompt was longer than the context. */
  droppedWords: string[];
}

/** The words of a text, or the first character that is not ASCII after folding accents. */
export function textWords(text: string): { words: string[]; nonAscii: string | null } {
  const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const bad = [...folded].find((ch) => ch.charCodeAt(0) > 127) ?? null;
  const words = folded
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  return { words, nonAscii: bad };
}

export class Tokenizer {
  readonly #ids: Map<string, number>;

  /** vocabulary: the words (ids 3..), as stored in the model file; contextLength: ids per prompt, <end> included. */
  constructor(
    readonly vocabulary: readonly string[],
    readonly contextLength: number,
  ) {
    if (!Number.isInteger(contextLength) || contextLength < 2)
      throw new Error(`tokenizer: contextLength must be an integer >= 2, got ${contextLength}`);
    this.#ids = new Map(vocabulary.map((w, i) => [w, i + SPECIAL.length]));
    if (this.#ids.size !== vocabulary.length) throw new Error('tokenizer: the vocabulary repeats a word');
    for (const w of vocabulary) {
      if (!/^[a-z0-9]+$/.test(w))
        throw new Error(`tokenizer: vocabulary word '${w}' is not lower-case ASCII letters and digits`);
    }
  }

  /** Ids in all: the reserved ones and the words. */
  get size(): number {
    return SPECIAL.length + this.vocabulary.length;
  }

  /** A vocabulary of every word in the captions, most frequent first (ties alphabetical); at most maxWords. */
  static fromCaptions(captions: Iterable<string>, contextLength: number, maxWords = 20_000): Tokenizer {
    const counts = new Map<string, number>();
    for (const c of captions) for (const w of textWords(c).words) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxWords)
      .map(([w]) => w);
    return new Tokenizer(words, contextLength);
  }

  /** The ids of one text. Throws on text that is not ASCII after folding accents (the message names the character). */
  encode(text: string): EncodedText {
    const { words, nonAscii } = textWords(text);
    if (nonAscii !== null) {
      throw new Error(
        `prompt '${text}': '${nonAscii}' is not a letter the model's tokenizer reads (ASCII letters and digits; accents are folded)`,
      );
    }
    const kept = words.slice(0, this.contextLength - 1);
    const ids = new Int32Array(this.contextLength).fill(PAD_ID);
    kept.forEach((w, i) => (ids[i] = this.#ids.get(w) ?? UNK_ID));
    ids[kept.length] = END_ID;
    return {
      ids,
      unknownWords: [...new Set(kept.filter((w) => !this.#ids.has(w)))],
      droppedWords: words.slice(kept.length),
    };
  }

  /** The ids of many texts, row after row (N * contextLength), for an int64 (N, L) tensor. */
  encodeAll(texts: readonly string[]): Int32Array {
    const out = new Int32Array(texts.length * this.contextLength);
    texts.forEach((t, i) => out.set(this.encode(t).ids, i * this.contextLength));
    return out;
  }
}
