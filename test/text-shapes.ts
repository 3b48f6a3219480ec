// Synthetic captioned pictures of known meaning for the text-to-image tests: coloured shapes on white, captioned
// "red circle", "a blue square", ..., and the measures that say whether a sample shows the colour and the shape a
// prompt names.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, encodePng, type NetworkConfig } from '../src/index.js';

export const COLOURS = { red: [230, 30, 30], green: [30, 200, 30], blue: [30, 30, 230] } as const;
export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type Colour = keyof typeof COLOURS;
export type Shape = (typeof SHAPES)[number];

/** Whether pixel (x, y) of a size x size picture is inside the shape centred at (cx, cy) with half-size r. */
export function inside(shape: Shape, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x + 0.5 - cx,
    dy = y + 0.5 - cy;
  if (shape === 'circle') return dx * dx + dy * dy <= r * r;
  if (shape === 'square') return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
  // A triangle pointing up: its width grows from the apex at cy - r to 2r at cy + r.
  return dy >= -r && dy <= r && Math.abs(dx) <= (dy + r) / 2;
}

/** RGBA pixels of one picture, the shape jittered by rng. */
export function shapePicture(colour: Colour, shape: Shape, size: number, rng: Rng): Uint8Array {
  const cx = size / 2 + (rng.uniform() - 0.5) * 2,
    cy = size / 2 + (rng.uniform() - 0.5) * 2,
    r = size * 0.33 + (rng.uniform() - 0.5);
  const px = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const c = inside(shape, x, y, cx, cy, r) ? COLOURS[colour] : [255, 255, 255];
      px.set([c[0]!, c[1]!, c[2]!, 255], (y * size + x) * 4);
    }
  }
  return px;
}

/**
 * A folder of captioned shapes (metadata.jsonl), `per` pictures of every colour and shape except the held-out
 * pairs; with `classFolders`, in a sub-folder per pair ("red-circle/"), which makes each pair a class. Returns the
 * folder.
 */
export function writeShapeFolder(
  dir: string,
  o: { size: number; per: number; heldOut: string[]; classFolders?: boolean },
): string {
  const rng = new Rng(5);
  const rows: string[] = [];
  for (const colour of Object.keys(COLOURS) as Colour[]) {
    for (const shape of SHAPES) {
      if (o.heldOut.includes(`${colour} ${shape}`)) continue;
      if (o.classFolders) mkdirSync(join(dir, `${colour}-${shape}`));
      for (let i = 0; i < o.per; i++) {
        const file = o.classFolders ? `${colour}-${shape}/${i}.png` : `${colour}-${shape}-${i}.png`;
        writeFileSync(
          join(dir, file),
          encodePng({ width: o.size, height: o.size, data: shapePicture(colour, shape, o.size, rng) }),
        );
        rows.push(JSON.stringify({ file_name: file, text: [`${colour} ${shape}`, `a ${colour} ${shape}`] }));
      }
    }
  }
  writeFileSync(join(dir, 'metadata.jsonl'), rows.join('\n') + '\n');
  return dir;
}

/** What one sample (C=3, H, W in [-1, 1], planar) shows: its dominant colour and the shape its ink fits best. */
export function judge(pixels: Float32Array, size: number): { colour: Colour; shape: Shape } {
  const plane = size * size;
  const ink: boolean[] = [];
  const sums = [0, 0, 0];
  for (let p = 0; p < plane; p++) {
    const rgb = [0, 1, 2].map((c) => (pixels[c * plane + p]! + 1) * 127.5);
    const isInk = Math.min(...rgb) < 150; // white background is (255, 255, 255)
    ink.push(isInk);
    if (isInk) rgb.forEach((v, c) => (sums[c] += 255 - v)); // how much of the other colours is missing
  }
  // The colour is the channel least absent from the ink: red ink lacks green and blue.
  const colour = (['red', 'green', 'blue'] as const)[sums.indexOf(Math.min(...sums))]!;
  let best: { shape: Shape; iou: number } = { shape: 'circle', iou: -1 };
  for (const shape of SHAPES) {
    for (const dx of [-1, -0.5, 0, 0.5, 1]) {
      for (const dy of [-1, -0.5, 0, 0.5, 1]) {
        for (const r of [size * 0.33 - 0.5, size * 0.33, size * 0.33 + 0.5]) {
          let both = 0,
            either = 0;
          for (let p = 0; p < plane; p++) {
            const t = inside(shape, p % size, Math.floor(p / size), size / 2 + dx, size / 2 + dy, r);
            both += t && ink[p]! ? 1 : 0;
            either += t || ink[p]! ? 1 : 0;
          }
          const iou = both / Math.max(1, either);
          if (iou > best.iou) best = { shape, iou };
        }
      }
    }
  }
  return { colour, shape: best.shape };
}

/** A tiny U-Net that reads text (contextLength 6) for 3-channel pictures: tests' text-to-image network. */
export const textNet = (vocabulary: string[]): NetworkConfig => ({
  kind: 'unet',
  imageChannels: 3,
  baseChannels: 8,
  channelMults: [1, 2],
  attentionLevels: [1],
  attentionHeads: 2,
  embedDim: 32,
  groups: 4,
  text: { vocabulary, contextLength: 6, width: 16, layers: 1, heads: 2 },
});
