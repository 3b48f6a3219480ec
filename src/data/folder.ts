// A folder of PNG/JPEG pictures as a dataset. With sub-folders, each sub-folder is a class (sorted names give
// the ids); without, the dataset is unlabelled. Every picture is fitted to channels x size x size.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { decodeImage } from '../io/index.js';
import { makeDataset, type Dataset } from './dataset.js';
import { fitImage, type FitMode } from './resize.js';

export interface ImageFolderOptions {
  /** Output height and width in pixels. Default 28. */
  size?: number;
  /** 1 (grey) or 3 (RGB). Default 1. */
  channels?: 1 | 3;
  /** 'crop' (centre-crop to a square, then resize; default) or 'stretch'. */
  fit?: FitMode;
  /** A file that does not decode: 'fail' (default) throws naming it; 'skip' leaves it out and lists it in `skipped`. */
  onBadFile?: 'fail' | 'skip';
}

export interface ImageFolderResult {
  dataset: Dataset;
  /** Files left out by onBadFile 'skip', with why: report their count as a warning. */
  skipped: { file: string; reason: string }[];
}

const imageExtensions = new Set(['.png', '.jpg', '.jpeg']);
const isImage = (name: string) => imageExtensions.has(extname(name).toLowerCase());

/** Reads every PNG/JPEG under dir (one level of class sub-folders at most); other files are ignored. */
export function loadImageFolder(dir: string, o: ImageFolderOptions = {}): ImageFolderResult {
  const size = o.size ?? 28;
  const channels = o.channels ?? 1;
  if (!existsSync(dir)) throw new Error(`image folder '${dir}' does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`image folder '${dir}' is not a folder`);
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  const classNames = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  const rootImages = entries.filter((e) => e.isFile() && isImage(e.name)).map((e) => join(dir, e.name));
  if (classNames.length > 0 && rootImages.length > 0) {
    throw new Error(`image folder '${dir}' has both class sub-folders and ${rootImages.length} images at its top ` +
      `(e.g. ${rootImages[0]}): move them into a class folder`);
  }
  const files: { path: string; label: number }[] = classNames.length === 0
    ? rootImages.map((path) => ({ path, label: -1 }))
    : classNames.flatMap((name, label) => readdirSync(join(dir, name)).filter(isImage).sort()
      .map((f) => ({ path: join(dir, name, f), label })));
  if (files.length === 0) throw new Error(`image folder '${dir}' has no PNG or JPEG files`);

  const per = channels * size * size;
  const pixels: Uint8Array[] = [];
  const labels: number[] = [];
  const skipped: ImageFolderResult['skipped'] = [];
  for (const { path, label } of files) {
    let fitted: Uint8Array;
    try {
      fitted = fitImage(decodeImage(readFileSync(path), path), { size, channels, fit: o.fit ?? 'crop' });
    } catch (e) {
      const reason = (e as Error).message;
      if ((o.onBadFile ?? 'fail') === 'fail') throw new Error(`${reason.startsWith(path) ? '' : `${path}: `}${reason}`);
      skipped.push({ file: path, reason });
      continue;
    }
    pixels.push(fitted);
    labels.push(label);
  }
  if (pixels.length === 0) throw new Error(`image folder '${dir}': all ${files.length} images failed to decode`);
  const images = new Uint8Array(pixels.length * per);
  pixels.forEach((p, i) => images.set(p, i * per));
  const dataset = makeDataset({
    images, labels: classNames.length ? Int32Array.from(labels) : null, classNames,
    shape: [channels, size, size], count: pixels.length, source: dir,
  });
  return { dataset, skipped };
}
