// Animations out: RGBA frames become an animated GIF (gifenc: one palette per frame, loops forever), written
// atomically like every other output.
import gifenc from 'gifenc';
import { writeFileAtomic } from './atomic.js';
import type { RgbaImage } from './png.js';

export interface GifOptions {
  /** Display time of each frame in milliseconds. Default 80. */
  frameDelayMs?: number;
  /** How long the last frame stays before the loop restarts, in milliseconds. Default 1000. */
  lastFrameDelayMs?: number;
}

/** Encodes frames of one size as a looping GIF (256 colours per frame). */
export function encodeGif(frames: readonly RgbaImage[], o: GifOptions = {}): Uint8Array {
  if (frames.length === 0) throw new Error('encodeGif: no frames');
  const { width, height } = frames[0]!;
  const gif = gifenc.GIFEncoder();
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) {
      throw new Error(`encodeGif: frame ${i} is ${f.width}x${f.height}, frame 0 is ${width}x${height}`);
    }
    const palette = gifenc.quantize(f.data, 256);
    const last = i === frames.length - 1;
    gif.writeFrame(gifenc.applyPalette(f.data, palette), width, height, {
      palette,
      delay: last ? (o.lastFrameDelayMs ?? 1000) : (o.frameDelayMs ?? 80),
      ...(i === 0 ? { repeat: 0 } : {}),
    });
  });
  gif.finish();
  return gif.bytes();
}

/** Writes frames as an animated GIF file atomically. */
export function writeGif(path: string, frames: readonly RgbaImage[], o: GifOptions = {}): void {
  writeFileAtomic(path, encodeGif(frames, o));
}
