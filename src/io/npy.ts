// NumPy's .npy format (version 1.0, little-endian float32, C order): what numpy.load reads. Samples of non-image
// models (e.g. Gaussian mixtures, shape [n, dim]) are written this way; condition vectors (text embeddings
// computed elsewhere) come in this way, one file or a folder of NAME.npy files (an unzipped .npz).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** An array read from a .npy file. */
export interface NpyArray {
  data: Float32Array;
  shape: number[];
}

/** The bytes of a .npy file holding float32 `data` of `shape`. */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length)
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // numpy pads the header with spaces and a newline so the data starts on a 64-byte boundary.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1; // version 1.0
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  const body = new Float32Array(data); // a copy: the platform is little-endian (x86, ARM), as '<f4' says
  out.set(new Uint8Array(body.buffer), total);
  return out;
}

/** Parses .npy bytes holding '<f4' or '<f8' data (returned as float32) in C order. */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not a .npy file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const [len, start] = major === 1 ? [view.getUint16(8, true), 10] : [view.getUint32(8, true), 12];
  const header = Buffer.from(bytes.subarray(start, start + len)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw new Error('.npy header lacks descr or shape');
  if (/'fortran_order':\s*True/.test(header)) throw new Error('.npy in Fortran order is not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = start + len;
  const width = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (width === 0) throw new Error(`.npy dtype '${descr}' is not supported (want '<f4' or '<f8')`);
  if (bytes.length - offset < n * width)
    throw new Error(`.npy data is truncated: ${n} values of ${width} bytes expected`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++)
    data[i] = width === 4 ? view.getFloat32(offset + 4 * i, true) : view.getFloat64(offset + 8 * i, true);
  return { data, shape };
}

/** Writes a tensor as a float32 .npy file, atomically. */
export function writeNpy(path: string, t: Tensor): void {
  writeFileAtomic(path, encodeNpy(t.toFloat32Array(), t.shape));
}

/** Reads a .npy file of float32 or float64 values; errors name the file. */
export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return decodeNpy(bytes);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Every NAME.npy in a folder (numpy.savez's members, unzipped), by NAME in sorted order. */
export function readNpyFolder(dir: string): Record<string, NpyArray> {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => f.endsWith('.npy'))
      .sort();
  } catch (e) {
    throw new Error(`${dir}: cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (names.length === 0) throw new Error(`${dir}: no .npy files in the folder`);
  return Object.fromEntries(names.map((f) => [f.slice(0, -'.npy'.length), readNpy(join(dir, f))]));
}
