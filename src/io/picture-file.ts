// One picture reader for single pictures (--image, masks, the server's uploads), the same as folders use: files
// read with a bound (a FIFO or a device is refused before anything is read, a file over MAX_PICTURE_BYTES too),
// and bytes decoded by libvips with the EXIF orientation applied (sharp-image.ts). libvips is asynchronous and a
// job is not, so decodePicture runs it on a worker thread and waits; the JavaScript decoder takes over only
// where sharp cannot load.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { RgbaImage } from './png.js';

/** The largest picture file read (256 MiB: a 30000 x 30000 bomb compresses to far less; no photo is larger). */
export const MAX_PICTURE_BYTES = 256 * 2 ** 20;

const kinds: [(s: ReturnType<typeof fstatSync>) => boolean, string][] = [
  [(s) => s.isDirectory(), 'a folder'],
  [(s) => s.isFIFO(), 'a named pipe'],
  [(s) => s.isCharacterDevice() || s.isBlockDevice(), 'a device'],
  [(s) => s.isSocket(), 'a socket'],
];

/**
 * A picture file's bytes: refused in one line naming it when it is not a regular file (checked on the open file,
 * before reading; a FIFO is opened without waiting for a writer) or larger than maxBytes.
 */
export function readPictureFile(path: string, maxBytes = MAX_PICTURE_BYTES): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    const kind = kinds.find(([is]) => is(stat))?.[1];
    if (kind || !stat.isFile()) throw new Error(`${path}: not a picture file (it is ${kind ?? 'not a regular file'})`);
    if (stat.size > maxBytes)
      throw new Error(`${path}: ${stat.size} bytes, over the ${maxBytes}-byte limit for a picture file`);
    const bytes = Buffer.alloc(stat.size);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return got === bytes.length ? bytes : bytes.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

const DECODE_TIMEOUT_MS = 120_000;
let decoder: { worker: Worker; port: MessagePort; flag: Int32Array } | null = null;

/**
 * Decodes a picture's bytes to upright 8-bit RGBA with libvips (PNG, JPEG with EXIF orientation, WebP, AVIF,
 * TIFF), waiting for it; the header is checked first (sizes, structure, the pixel limit). A bad picture throws one
 * line starting with `source`.
 */
export function decodePicture(bytes: Uint8Array, source = 'image', o: { maxPixels?: number } = {}): RgbaImage {
  if (!decoder) {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(new URL('./picture-worker.js', import.meta.url), {
      workerData: { flag, port: port2 },
      transferList: [port2],
    });
    worker.unref(); // never keeps the process alive
    decoder = { worker, port: port1, flag };
  }
  const { worker, port, flag } = decoder;
  Atomics.store(flag, 0, 0);
  worker.postMessage({ bytes, source, ...o });
  // Bounded: a worker that died would never answer (a 256-megapixel picture decodes in seconds here).
  if (Atomics.wait(flag, 0, 0, DECODE_TIMEOUT_MS) === 'timed-out')
    throw new Error(`${source}: the picture decoder did not answer within ${DECODE_TIMEOUT_MS / 1000} s`);
  const answer = receiveMessageOnPort(port)?.message as RgbaImage | { error: string } | undefined;
  if (!answer) throw new Error(`${source}: the picture decoder stopped`);
  if ('error' in answer) throw new Error(answer.error);
  return answer;
}
