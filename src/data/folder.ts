// A folder of pictures as a dataset. With sub-folders, each sub-folder is a class (sorted names give the ids);
// without, the dataset is unlabelled. Every picture is fitted to channels x size x size. Decoding photos is the
// slow part, so the fitted pixels are cached (keyed by the folder, the fitting options and every file's path, size
// and mtime): a second run starts at once. prepareImageFolder decodes with libvips (sharp) on its threads;
// loadImageFolder reads the cache, or decodes one picture at a time (decodePicture: libvips too) when there is none.
// Links to pictures and to class folders are followed; a dangling link or a loop is refused naming it.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import {
  decodeImageAsync,
  decodePicture,
  imageDecoderName,
  readPictureFile,
  writeFileAtomic,
  type RgbaImage,
} from '../io/index.js';
import { makeDataset, type Dataset } from './dataset.js';
import { fitImage, type FitMode } from './resize.js';

/** A folder's pictures are fitted to 28 px unless asked (Fashion-MNIST's size). */
export const FOLDER_IMAGE_SIZE = 28;

export interface ImageFolderOptions {
  /** Output height and width in pixels. Default 28. */
  size?: number;
  /** 1 (grey) or 3 (RGB). Default 1. */
  channels?: 1 | 3;
  /** 'crop' (centre-crop to a square, then resize; default) or 'stretch'. */
  fit?: FitMode;
  /** A file that does not decode: 'fail' (default) throws naming it; 'skip' leaves it out and lists it in `skipped`. */
  onBadFile?: 'fail' | 'skip';
  /** Where fitted pixels are cached; null: no cache. Default $DIFFLAB_CACHE, else ~/.cache/difflab. */
  cacheDir?: string | null;
}

export interface ImageFolderResult {
  dataset: Dataset;
  /** Files left out by onBadFile 'skip', with why: report their count as a warning. */
  skipped: { file: string; reason: string }[];
}

const imageExtensions = new Set(['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff']);
const isImage = (name: string) => imageExtensions.has(extname(name).toLowerCase());

interface Listing {
  classNames: string[];
  files: { path: string; label: number; bytes: number; mtimeMs: number }[];
}

/**
 * What an entry is, links followed (a dataset linked into place is common): a folder, a file or neither. A dangling
 * link, a link loop, or a link to the folder itself or above it is refused naming it.
 */
function kindOf(path: string, root: string): 'folder' | 'file' | 'other' {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && lstatSync(path).isSymbolicLink())
      throw new Error(`image folder '${root}': ${path} is a link to ${readlinkSync(path)}, which does not exist`);
    if (code === 'ELOOP') throw new Error(`image folder '${root}': ${path} is a link that loops`);
    throw new Error(`image folder '${root}': ${path}: cannot read (${code ?? (e as Error).message})`);
  }
  if (!st.isDirectory()) return st.isFile() ? 'file' : 'other';
  const [real, top] = [realpathSync(path), realpathSync(root)];
  if (top === real || top.startsWith(`${real}${sep}`))
    throw new Error(`image folder '${root}': ${path} is a link back to ${real} (a loop)`);
  return 'folder';
}

/** A folder's entries, sorted, with what each is (links followed); hidden ones left out. */
function entriesOf(dir: string, root: string): { name: string; path: string; kind: 'folder' | 'file' | 'other' }[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .sort()
    .map((name) => ({ name, path: join(dir, name), kind: kindOf(join(dir, name), root) }));
}

/** The folder's pictures (one level of class sub-folders at most); other files are ignored. */
function listFolder(dir: string): Listing {
  if (!existsSync(dir)) throw new Error(`image folder '${dir}' does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`image folder '${dir}' is not a folder`);
  const entries = entriesOf(dir, dir);
  const classNames = entries.filter((e) => e.kind === 'folder').map((e) => e.name);
  const rootImages = entries.filter((e) => e.kind === 'file' && isImage(e.name)).map((e) => e.path);
  if (classNames.length > 0 && rootImages.length > 0) {
    throw new Error(
      `image folder '${dir}' has both class sub-folders and ${rootImages.length} images at its top ` +
        `(e.g. ${rootImages[0]}): move them into a class folder`,
    );
  }
  const paths: { path: string; label: number }[] =
    classNames.length === 0
      ? rootImages.map((path) => ({ path, label: -1 }))
      : classNames.flatMap((name, label) =>
          entriesOf(join(dir, name), dir)
            .filter((e) => e.kind === 'file' && isImage(e.name))
            .map((e) => ({ path: e.path, label })),
        );
  if (paths.length === 0)
    throw new Error(`image folder '${dir}' has no picture files (${[...imageExtensions].join(', ')})`);
  return {
    classNames,
    files: paths.map((f) => {
      const st = statSync(f.path);
      return { ...f, bytes: st.size, mtimeMs: st.mtimeMs };
    }),
  };
}

interface CacheHeader {
  key: string;
  decoder: string;
  files: Listing['files'];
  kept: number[];
  skipped: ImageFolderResult['skipped'];
}

const cacheRoot = (o: ImageFolderOptions) =>
  o.cacheDir === null ? null : (o.cacheDir ?? process.env.DIFFLAB_CACHE ?? join(homedir(), '.cache', 'difflab'));

/** The cache file of a folder and fitting, and the key its header must hold (the options and every file's facts). */
function cacheEntry(
  dir: string,
  list: Listing,
  o: Required<Pick<ImageFolderOptions, 'size' | 'channels' | 'fit'>>,
  root: string,
) {
  const id = createHash('sha256')
    .update(JSON.stringify({ dir: resolve(dir), ...o }))
    .digest('hex')
    .slice(0, 24);
  const key = createHash('sha256')
    .update(JSON.stringify({ dir: resolve(dir), ...o, files: list.files }))
    .digest('hex');
  return { path: join(root, 'folders', `${id}.bin`), key };
}

/** The cached result when its key matches; null when absent, stale or unreadable (it is then rebuilt). */
function readCache(
  path: string,
  key: string,
  list: Listing,
  per: number,
  dir: string,
  shape: [number, number, number],
): ImageFolderResult | null {
  if (!existsSync(path)) return null;
  try {
    const buf = readFileSync(path);
    const n = buf.readUInt32LE(0);
    const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as CacheHeader;
    if (header.key !== key || buf.length !== 4 + n + header.kept.length * per) return null;
    const images = new Uint8Array(buf.buffer, buf.byteOffset + 4 + n, header.kept.length * per).slice();
    return result(dir, list, header.kept, images, shape, header.skipped);
  } catch {
    return null;
  }
}

function writeCache(path: string, header: CacheHeader, images: Uint8Array): void {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  try {
    writeFileAtomic(path, Buffer.concat([len, json, images]));
  } catch (e) {
    console.error(`note: could not cache the decoded pictures at ${path} (${(e as Error).message.split('\n')[0]})`);
  }
}

function result(
  dir: string,
  list: Listing,
  kept: number[],
  images: Uint8Array,
  shape: [number, number, number],
  skipped: ImageFolderResult['skipped'],
): ImageFolderResult {
  if (kept.length === 0) throw new Error(`image folder '${dir}': all ${list.files.length} images failed to decode`);
  const labelled = list.classNames.length > 0;
  const dataset = makeDataset({
    images,
    labels: labelled ? Int32Array.from(kept, (i) => list.files[i]!.label) : null,
    classNames: list.classNames,
    shape,
    count: kept.length,
    source: dir,
    files: kept.map((i) => list.files[i]!.path),
  });
  return { dataset, skipped };
}

type Fit = { size: number; channels: 1 | 3; fit: FitMode };

/** What both loaders share: the listing, the fitting, the cache entry and, when fresh, the cached result. */
function plan(dir: string, o: ImageFolderOptions) {
  const fit: Fit = { size: o.size ?? FOLDER_IMAGE_SIZE, channels: o.channels ?? 1, fit: o.fit ?? 'crop' };
  const list = listFolder(dir);
  const per = fit.channels * fit.size * fit.size,
    shape: [number, number, number] = [fit.channels, fit.size, fit.size];
  const root = cacheRoot(o);
  const entry = root === null ? null : cacheEntry(dir, list, fit, root);
  return { fit, list, per, shape, entry, cached: entry && readCache(entry.path, entry.key, list, per, dir, shape) };
}

/** One file's fitted pixels, or null when it is skipped (onBadFile 'skip'); 'fail' throws naming the file. */
function fitted(
  path: string,
  decoded: () => RgbaImage,
  fit: Fit,
  o: ImageFolderOptions,
  skipped: ImageFolderResult['skipped'],
): Uint8Array | null {
  try {
    return fitImage(decoded(), fit);
  } catch (e) {
    const reason = (e as Error).message;
    if ((o.onBadFile ?? 'fail') === 'fail') throw new Error(`${reason.startsWith(path) ? '' : `${path}: `}${reason}`);
    skipped.push({ file: path, reason });
    return null;
  }
}

/** Packs the fitted pixels into a dataset and caches them. */
function finish(
  dir: string,
  p: ReturnType<typeof plan>,
  pixels: (Uint8Array | null)[],
  skipped: ImageFolderResult['skipped'],
  decoder: string,
): ImageFolderResult {
  const kept = pixels.flatMap((f, i) => (f ? [i] : []));
  const images = new Uint8Array(kept.length * p.per);
  kept.forEach((i, k) => images.set(pixels[i]!, k * p.per));
  if (p.entry && kept.length > 0)
    writeCache(p.entry.path, { key: p.entry.key, decoder, files: p.list.files, kept, skipped }, images);
  return result(dir, p.list, kept, images, p.shape, skipped);
}

/**
 * Decodes every picture under dir with libvips (sharp; JavaScript where it cannot load), a few at a time, and
 * caches the fitted pixels; a second call, or a later loadImageFolder, reads the cache.
 */
export async function prepareImageFolder(dir: string, o: ImageFolderOptions = {}): Promise<ImageFolderResult> {
  const p = plan(dir, o);
  if (p.cached) return p.cached;
  const pixels: (Uint8Array | null)[] = new Array(p.list.files.length).fill(null);
  const skipped: ImageFolderResult['skipped'] = [];
  let next = 0;
  const worker = async () => {
    while (next < p.list.files.length) {
      const i = next++,
        path = p.list.files[i]!.path;
      let decoded: RgbaImage | Error;
      try {
        decoded = await decodeImageAsync(readPictureFile(path), path);
      } catch (e) {
        decoded = e as Error;
      }
      pixels[i] = fitted(
        path,
        () => {
          if (decoded instanceof Error) throw decoded;
          return decoded;
        },
        p.fit,
        o,
        skipped,
      );
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker)); // libvips decodes on its own threads
  return finish(dir, p, pixels, skipped, await imageDecoderName());
}

/** The folder as a dataset, synchronously: from the cache when it is fresh, else decoded as single pictures are (and cached). */
export function loadImageFolder(dir: string, o: ImageFolderOptions = {}): ImageFolderResult {
  const p = plan(dir, o);
  if (p.cached) return p.cached;
  const skipped: ImageFolderResult['skipped'] = [];
  const pixels = p.list.files.map(({ path }) =>
    fitted(path, () => decodePicture(readPictureFile(path), path), p.fit, o, skipped),
  );
  return finish(dir, p, pixels, skipped, 'decodePicture');
}
