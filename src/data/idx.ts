// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): magic 0x0000 TT DD (TT = 0x08 unsigned bytes,
// DD = number of dims), DD big-endian uint32 sizes, then the data. Files may be gzipped (as Debian ships them).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FASHION_MNIST_CLASSES, makeDataset, type Dataset } from './dataset.js';

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Parses IDX bytes (gunzipping first when they start with the gzip magic); `source` names them in errors. */
export function parseIdx(bytes: Uint8Array, source = 'buffer'): IdxArray {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new Error(`${source}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new Error(`${source}: not an IDX file (bad magic number)`);
  if (buf[2] !== 0x08)
    throw new Error(`${source}: IDX element type 0x${buf[2]!.toString(16)} is not unsigned bytes (0x08)`);
  const dims = buf[3]!;
  if (buf.length < 4 + 4 * dims) throw new Error(`${source}: IDX header truncated`);
  const shape = Array.from({ length: dims }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const n = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * dims;
  if (buf.length - start !== n) {
    throw new Error(
      `${source}: IDX shape [${shape.join(', ')}] needs ${n} bytes of data, the file has ${buf.length - start}`,
    );
  }
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + start, n) };
}

/** Reads an IDX file (gzipped or not). */
export function readIdxFile(path: string): IdxArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseIdx(bytes, path);
}

export interface MnistOptions {
  /** Folder with the four IDX files, gzipped or not. Default FASHION_MNIST_DIR. */
  dir?: string;
  /** 'train' (60000 images) or 'test' (10000; the t10k-* files). Default 'train'. */
  split?: 'train' | 'test';
  /** Class names. Default FASHION_MNIST_CLASSES (pass MNIST_CLASSES for digits). */
  classNames?: readonly string[];
}

/** Finds `name` or `name.gz` in dir, with a message listing both when neither exists. */
function findIdx(dir: string, name: string): string {
  for (const p of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(p)) return p;
  if (!existsSync(dir)) throw new Error(`MNIST-format data: folder '${dir}' does not exist`);
  throw new Error(`MNIST-format data: neither ${name} nor ${name}.gz in '${dir}'`);
}

/** Loads an MNIST-format split (Fashion-MNIST by default) as 1x28x28 uint8 images with labels. */
export function loadMnist(o: MnistOptions = {}): Dataset {
  const dir = o.dir ?? FASHION_MNIST_DIR;
  const prefix = (o.split ?? 'train') === 'train' ? 'train' : 't10k';
  const imagesPath = findIdx(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findIdx(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.shape.length !== 3)
    throw new Error(`${imagesPath}: expected 3 dims (N, H, W), got [${images.shape.join(', ')}]`);
  if (labels.shape.length !== 1) throw new Error(`${labelsPath}: expected 1 dim (N), got [${labels.shape.join(', ')}]`);
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n)
    throw new Error(`${labelsPath}: ${labels.shape[0]} labels for ${n} images in ${imagesPath}`);
  return makeDataset({
    images: images.data,
    labels: Int32Array.from(labels.data),
    classNames: o.classNames ?? FASHION_MNIST_CLASSES,
    shape: [1, h, w],
    count: n,
    source: imagesPath,
  });
}
