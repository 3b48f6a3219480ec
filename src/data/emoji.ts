// The captioned colour corpus: emoji pictures from the npm packages emoji-datasource-twitter (Twemoji, art
// CC-BY 4.0) and emoji-datasource-google (Noto Emoji, art Apache 2.0) (both packages MIT, 16.0.0), 64x64 RGBA PNGs
// with emoji.json naming each one, and emojibase-data (MIT) for CLDR labels and keywords. Alpha is composited over
// a stated background. Each picture gets several captions (its Unicode name, CLDR label and short names, with its
// skin tone, with and without its vendor's style word), one drawn each time it is used; the CLDR keywords are never
// captions, so evaluation can prompt with them as paraphrases. Labels are the emoji's category (10 classes).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { decodeImageAsync } from '../io/index.js';
import { makeDataset, type Dataset } from './dataset.js';
import { fitImage } from './resize.js';

export type EmojiVendor = 'twitter' | 'google';
export const emojiVendors: readonly EmojiVendor[] = ['twitter', 'google'];
/** The word a caption uses for each vendor's style. */
export const vendorWords: Record<EmojiVendor, string> = { twitter: 'twemoji', google: 'noto' };
const PACKAGES = { twitter: 'emoji-datasource-twitter', google: 'emoji-datasource-google', base: 'emojibase-data' };
const VERSIONS = { twitter: '16.0.0', google: '16.0.0', base: '17.0.0' };

/** The corpus's pictures are read at 32 px unless asked (box-filtered down from 64). */
export const EMOJI_IMAGE_SIZE = 32;

export interface EmojiOptions {
  /** Which vendors' pictures. Default both. */
  vendors?: readonly EmojiVendor[];
  /** Output size in pixels (the pictures are 64 px; box-filtered down). Default 32. */
  size?: number;
  /** Include the skin-tone variants. Default true. */
  skinTones?: boolean;
  /** RGB the transparent parts are composited over. Default white [255, 255, 255]. */
  background?: readonly [number, number, number];
  /** A folder holding node_modules/<package> (e.g. where first use installed them). Default: Node's resolution, then the cache. */
  packagesDir?: string;
  /** Install missing packages with npm into the cache ('auto', default) or refuse ('never'). */
  install?: 'auto' | 'never';
  /**
   * What the labels are: 'category' (default; emoji.json's 9 picture categories) or 'identity' (the base emoji,
   * skin tones and vendors sharing it; every base emoji of the packages is a class, whichever vendors are loaded,
   * so a classifier trained on one vendor reads the other's pictures with the same ids).
   */
  labels?: 'category' | 'identity';
}

/** What evaluation needs of each picture besides its pixels and captions. */
export interface EmojiInfo {
  /** The base emoji (skin tones share it): emoji.json's unified code of the toneless emoji. */
  base: string;
  /** Its CLDR label ("thumbs up") or lower-case name; keywords never used as captions. */
  label: string;
  keywords: string[];
  vendor: EmojiVendor;
  /** 'medium skin tone', or '' without a tone. */
  tone: string;
}

interface EmojiEntry {
  unified: string;
  name: string | null;
  short_names: string[];
  category: string;
  image: string;
  skin_variations?: Record<string, { unified: string; image: string; [k: string]: unknown }>;
  [key: string]: unknown;
}
interface BaseEntry {
  label: string;
  hexcode: string;
  tags?: string[];
  skins?: BaseEntry[];
}

const TONES: Record<string, string> = {
  '1F3FB': 'light',
  '1F3FC': 'medium-light',
  '1F3FD': 'medium',
  '1F3FE': 'medium-dark',
  '1F3FF': 'dark',
};
/** "1F3FB-1F3FD" -> "light and medium skin tone". */
const toneWords = (key: string) => `${[...new Set(key.split('-').map((k) => TONES[k] ?? k))].join(' and ')} skin tone`;

const cacheDir = () => join(process.env.DIFFLAB_CACHE ?? join(homedir(), '.cache', 'difflab'), 'emoji-packages');

/** The folder of an installed package, or null. */
function packageDir(name: string, o: EmojiOptions): string | null {
  const roots = o.packagesDir ? [o.packagesDir] : [null, cacheDir()];
  for (const root of roots) {
    if (root === null) {
      try {
        return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
      } catch {
        continue;
      }
    }
    const dir = join(root, 'node_modules', name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return null;
}

/** The packages' folders, installing the missing ones into the cache with npm on first use (install 'auto'). */
export function emojiPackages(vendors: readonly EmojiVendor[], o: EmojiOptions = {}): Record<string, string> {
  const wanted = [...vendors, 'base' as const];
  const find = () => Object.fromEntries(wanted.map((k) => [k, packageDir(PACKAGES[k], o)]));
  let found = find();
  const missing = wanted.filter((k) => !found[k]).map((k) => `${PACKAGES[k]}@${VERSIONS[k]}`);
  if (missing.length > 0) {
    if ((o.install ?? 'auto') === 'never' || o.packagesDir) {
      throw new Error(
        `data 'emoji': the npm packages ${missing.join(', ')} are not installed (npm install ${missing.join(' ')})`,
      );
    }
    console.error(
      `note: installing ${missing.join(', ')} from the npm registry into ${cacheDir()} (first use, ~60 MB each)`,
    );
    try {
      execFileSync(
        'npm',
        ['install', '--prefix', cacheDir(), '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...missing],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
    } catch (e) {
      const why = String((e as { stderr?: Buffer }).stderr ?? (e as Error).message)
        .trim()
        .split('\n')[0];
      throw new Error(
        `data 'emoji': the npm packages ${missing.join(', ')} are not installed and npm could not install them (${why})`,
      );
    }
    found = find();
  }
  return found as Record<string, string>;
}

/** Captions of one picture: each phrase with its tone, with and without the vendor's word. */
function captionsOf(phrases: string[], tone: string, vendor: EmojiVendor): string[] {
  // ASCII captions: accents folded, curly quotes and other signs dropped ("japanese “passing grade” button").
  const ascii = (p: string) =>
    p
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^\x20-\x7e]/g, ' ')
      .replace(/_/g, ' ')
      .replace(/\s+/g, ' ');
  const toned = [...new Set(phrases.map((p) => ascii(p.toLowerCase()).trim()).filter((p) => p !== ''))].map((p) =>
    tone ? `${p}, ${tone}` : p,
  );
  return [...toned, ...toned.map((p) => `${p}, ${vendorWords[vendor]}`)];
}

/**
 * Every base emoji with a picture in either package (both are read when installed, so the ids do not depend on
 * the vendors loaded), in emoji.json's order, named by its label; ids by unified code.
 */
function identityClasses(
  dirs: Record<string, string>,
  vendors: readonly EmojiVendor[],
): { names: string[]; ids: Map<string, number> } {
  const all = { ...dirs };
  for (const v of emojiVendors) all[v] ??= packageDir(PACKAGES[v], {}) ?? '';
  const names: string[] = [];
  const ids = new Map<string, number>();
  for (const v of emojiVendors.filter((x) => all[x] || vendors.includes(x))) {
    const entries = JSON.parse(readFileSync(join(all[v]!, 'emoji.json'), 'utf8')) as EmojiEntry[];
    for (const e of entries) {
      if (e.category === 'Component' || ids.has(e.unified)) continue;
      ids.set(e.unified, names.length);
      names.push((e.name ?? e.short_names[0]!).toLowerCase());
    }
  }
  return { names, ids };
}

/** The corpus as a dataset (uint8 RGB, captions, category labels) and per-picture facts for evaluation. */
export async function loadEmoji(o: EmojiOptions = {}): Promise<{ dataset: Dataset; info: EmojiInfo[] }> {
  const vendors = o.vendors ?? emojiVendors;
  const size = o.size ?? EMOJI_IMAGE_SIZE;
  const bg = o.background ?? [255, 255, 255];
  const dirs = emojiPackages(vendors, o);
  const base = JSON.parse(readFileSync(join(dirs.base!, 'en', 'data.json'), 'utf8')) as BaseEntry[];
  const byHex = new Map<string, BaseEntry>();
  for (const b of base) for (const e of [b, ...(b.skins ?? [])]) byHex.set(e.hexcode, e);
  const cldr = (unified: string) => byHex.get(unified) ?? byHex.get(unified.replace(/-FE0F/g, ''));

  const items: { file: string; captions: string[]; category: string; info: EmojiInfo }[] = [];
  for (const vendor of vendors) {
    const entries = JSON.parse(readFileSync(join(dirs[vendor]!, 'emoji.json'), 'utf8')) as EmojiEntry[];
    for (const e of entries) {
      if (e.category === 'Component' || !e[`has_img_${vendor}`]) continue; // bare skin-tone swatches, hair parts
      const b = cldr(e.unified);
      const label = b?.label ?? (e.name ?? e.short_names[0]!).toLowerCase();
      const phrases = [e.name ?? '', label, ...e.short_names];
      const variants = [{ unified: e.unified, image: e.image, tone: '' }];
      if (o.skinTones ?? true) {
        for (const [key, v] of Object.entries(e.skin_variations ?? {})) {
          if (v[`has_img_${vendor}`]) variants.push({ unified: v.unified, image: v.image, tone: toneWords(key) });
        }
      }
      for (const v of variants) {
        const file = join(dirs[vendor]!, 'img', vendor, '64', v.image);
        if (!existsSync(file)) continue;
        items.push({
          file,
          captions: captionsOf(phrases, v.tone, vendor),
          category: e.category,
          info: { base: e.unified, label: label.toLowerCase(), keywords: b?.tags ?? [], vendor, tone: v.tone },
        });
      }
    }
  }
  const identity = (o.labels ?? 'category') === 'identity';
  const classNames = identity
    ? identityClasses(dirs, vendors).names
    : [...new Set(items.map((i) => i.category))].sort();
  const classOf = identity
    ? (() => {
        const ids = identityClasses(dirs, vendors).ids;
        return (i: (typeof items)[number]) => ids.get(i.info.base)!;
      })()
    : (i: (typeof items)[number]) => classNames.indexOf(i.category);
  const per = 3 * size * size;
  const images = new Uint8Array(items.length * per);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      const rgba = await decodeImageAsync(readFileSync(items[k]!.file), items[k]!.file);
      const d = rgba.data;
      for (let p = 0; p < d.length; p += 4) {
        const a = d[p + 3]! / 255;
        for (let c = 0; c < 3; c++) d[p + c] = Math.round(a * d[p + c]! + (1 - a) * bg[c]!);
        d[p + 3] = 255;
      }
      images.set(fitImage(rgba, { size, channels: 3, fit: 'stretch' }), k * per);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const dataset = makeDataset({
    images,
    labels: Int32Array.from(items, classOf),
    classNames,
    shape: [3, size, size],
    count: items.length,
    captions: items.map((i) => i.captions),
    files: items.map((i) => i.file),
    source: `emoji${identity ? ' identities' : ''} (${vendors.join(', ')})`,
  });
  return { dataset, info: items.map((i) => i.info) };
}
