// Captions for a folder of pictures, the two conventions people already use: a `metadata.jsonl` at the folder's
// top with one {"file_name": ..., "text": ...} row per picture (diffusers' imagefolder; file_name relative to the
// folder, "text" a string or a list of strings), or a `.txt` beside each picture with one caption per line. Every
// picture needs at least one caption, and a metadata row must name a picture that is there, once.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Dataset } from './dataset.js';

/** The metadata file name of diffusers' imagefolder. */
export const METADATA_FILE = 'metadata.jsonl';

/** Caption lines of a .txt file: trimmed, empty lines dropped. */
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);

function fromMetadata(dir: string, files: readonly string[]): string[][] {
  const path = join(dir, METADATA_FILE);
  const index = new Map(files.map((f, i) => [relative(dir, f).split(sep).join('/'), i]));
  const captions: (string[] | null)[] = files.map(() => null);
  lines(readFileSync(path, 'utf8')).forEach((line, k) => {
    const where = `${path} line ${k + 1}`;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not JSON (${(e as Error).message})`);
    }
    const { file_name: name, text } = (row ?? {}) as { file_name?: unknown; text?: unknown };
    if (typeof name !== 'string') throw new Error(`${where}: needs a "file_name" string`);
    const texts = typeof text === 'string' ? [text] : text;
    if (!Array.isArray(texts) || texts.length === 0 || !texts.every((t) => typeof t === 'string' && t.trim() !== ''))
      throw new Error(`${where}: "text" must be a caption or a list of captions (non-empty strings)`);
    const i = index.get(name.replace(/^\.\//, ''));
    if (i === undefined) throw new Error(`${where}: '${name}' is not a picture of the folder`);
    if (captions[i]) throw new Error(`${where}: '${name}' has a row already (one row per picture)`);
    captions[i] = texts.map((t: string) => t.trim());
  });
  const missing = captions.findIndex((c) => c === null);
  if (missing >= 0) {
    const n = captions.filter((c) => c === null).length;
    throw new Error(
      `${path}: no row for ${relative(dir, files[missing]!)}${n > 1 ? ` and ${n - 1} more pictures` : ''}`,
    );
  }
  return captions as string[][];
}

function fromTextFiles(dir: string, files: readonly string[]): string[][] | null {
  const txt = (f: string) => f.replace(/\.[^./]+$/, '') + '.txt';
  const have = files.filter((f) => existsSync(txt(f)));
  if (have.length === 0) return null;
  return files.map((f) => {
    if (!existsSync(txt(f))) {
      throw new Error(
        `${txt(f)}: missing (${have.length} of the ${files.length} pictures of '${dir}' have a caption file)`,
      );
    }
    const c = lines(readFileSync(txt(f), 'utf8'));
    if (c.length === 0) throw new Error(`${txt(f)}: holds no caption`);
    return c;
  });
}

/**
 * The folder dataset with its captions (metadata.jsonl, else a .txt per picture). Throws one line naming the file
 * when captions are missing, extra, repeated, or when the folder has none at all.
 */
export function withFolderCaptions(d: Dataset, dir: string): Dataset {
  if (!d.files) throw new Error(`${d.source}: captions need a folder of pictures`);
  const captions = existsSync(join(dir, METADATA_FILE)) ? fromMetadata(dir, d.files) : fromTextFiles(dir, d.files);
  if (!captions) {
    throw new Error(
      `image folder '${dir}' has no captions: give it a ${METADATA_FILE} ({"file_name": ..., "text": ...} per picture) ` +
        'or a .txt beside each picture',
    );
  }
  captions.forEach((list, i) =>
    list.forEach((c) => {
      const bad = [...c.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')].find((ch) => ch.charCodeAt(0) > 127);
      if (bad !== undefined)
        throw new Error(`${d.files![i]}: caption '${c}' holds '${bad}' (captions are ASCII text; accents are folded)`);
    }),
  );
  return { ...d, captions };
}
