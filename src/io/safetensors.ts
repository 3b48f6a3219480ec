// The safetensors format (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}, then raw
// little-endian data. difflab keeps its JSON configs inside __metadata__ so a checkpoint is one file.
import { readFileSync } from 'node:fs';
import { fromBytes, type DType, type Device, type Tensor } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

// The format's dtype names and ours; bytes travel as they are (both little-endian).
const formatDtype = {
  float32: 'F32',
  float64: 'F64',
  bfloat16: 'BF16',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
} as const satisfies Record<DType, string>;
const dtypeOf = Object.fromEntries(Object.entries(formatDtype).map(([k, v]) => [v, k])) as Record<string, DType>;
const itemBytes: Record<string, number> = { F32: 4, F64: 8, BF16: 2, F16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

function bytesOf(t: Tensor): { dtype: string; data: Uint8Array } {
  return { dtype: formatDtype[t.dtype], data: t.toBytes() };
}

/** Serialises named tensors (and string metadata) to safetensors bytes. */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const { dtype, data } = bytesOf(tensors[name]!);
    header[name] = { dtype, shape: [...tensors[name]!.shape], data_offsets: [offset, offset + data.length] };
    blobs.push(data);
    offset += data.length;
  }
  return [...headerChunks(header), ...blobs];
}

/** The header's length and JSON, padded with spaces so the data is 8-byte aligned (allowed by the format). */
function headerChunks(header: Record<string, unknown>): [Uint8Array, Uint8Array] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, ' ')]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(padded.length));
  return [len, padded];
}

/** Writes a .safetensors file atomically. */
export function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** The largest header accepted (the reference loader's limit): a bigger one is a damaged or hostile file. */
const MAX_HEADER_BYTES = 100_000_000;

interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/** One header entry checked as the reference loader checks it; `bad` makes the error. */
function tensorEntry(name: string, info: unknown, bad: (why: string) => Error): TensorEntry {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) throw bad(`tensor ${name} is not an object`);
  const { dtype, shape, data_offsets: off, ...extra } = info as Record<string, unknown>;
  const stray = Object.keys(extra)[0];
  if (stray !== undefined) throw bad(`tensor ${name} has an unknown field '${stray}'`);
  if (typeof dtype !== 'string' || itemBytes[dtype] === undefined) {
    throw bad(`tensor ${name} has unsupported dtype ${JSON.stringify(dtype)} (${Object.keys(itemBytes).join(', ')})`);
  }
  const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!Array.isArray(shape) || !shape.every(isIndex))
    throw bad(`tensor ${name}: shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(off) || off.length !== 2 || !off.every(isIndex)) {
    throw bad(`tensor ${name}: data_offsets must be two non-negative integers, got ${JSON.stringify(off)}`);
  }
  const [begin, end] = off as [number, number];
  const bytes = shape.reduce((a: number, b: number) => a * b, itemBytes[dtype]!);
  if (!Number.isSafeInteger(bytes)) throw bad(`tensor ${name}: shape [${shape.join(', ')}] is too large`);
  if (end < begin || end - begin !== bytes) {
    throw bad(
      `tensor ${name}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, its ${dtype} shape [${shape.join(', ')}] needs ${bytes}`,
    );
  }
  return { name, dtype, shape, begin, end };
}

/** A checked header: the metadata, the tensors' entries (as written, and in data order) and where the data starts. */
interface Header {
  metadata: Record<string, string>;
  entries: Record<string, unknown>;
  list: TensorEntry[];
  headerEnd: number;
}

/**
 * Parses safetensors bytes as strictly as the reference loader: header size, JSON object, known dtypes, shapes
 * and offsets that agree, tensors that tile the data exactly (contiguous, no overlap, no gap, nothing after), and
 * string metadata. `source` names the file in error messages.
 */
export function decodeSafetensors(buf: Uint8Array, source = 'buffer', device?: Device): SafetensorsFile {
  const { metadata, list, headerEnd } = decodeHeader(buf, source);
  const tensors: Record<string, Tensor> = {};
  for (const t of list)
    tensors[t.name] = fromBytes(
      buf.subarray(headerEnd + t.begin, headerEnd + t.end),
      t.shape,
      dtypeOf[t.dtype]!,
      device,
    );
  return { tensors, metadata };
}

function decodeHeader(buf: Uint8Array, source: string): Header {
  const bad = (why: string) => new Error(`${source}: not a valid safetensors file (${why})`);
  if (buf.length < 8) throw bad(`only ${buf.length} bytes`);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.readBigUInt64LE(0);
  if (n > BigInt(buf.length - 8))
    throw bad(`header says ${n} bytes but the file has ${buf.length - 8} after it: truncated?`);
  if (n > BigInt(MAX_HEADER_BYTES)) throw bad(`header of ${n} bytes is over the limit of ${MAX_HEADER_BYTES}`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(view.subarray(8, headerEnd)));
  } catch {
    throw bad('header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const { __metadata__: meta = {}, ...entries } = header as Record<string, unknown>;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw bad('__metadata__ is not an object');
  const nonString = Object.entries(meta).find(([, v]) => typeof v !== 'string');
  if (nonString) throw bad(`__metadata__.${nonString[0]} is not a string`);
  const dataLength = buf.length - headerEnd;
  const list = Object.entries(entries)
    .map(([name, info]) => tensorEntry(name, info, bad))
    .sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of list) {
    if (t.begin !== at)
      throw bad(
        t.begin < at
          ? `tensor ${t.name} overlaps the one before it`
          : `${t.begin - at} bytes before tensor ${t.name} belong to no tensor`,
      );
    if (t.end > dataLength)
      throw bad(`tensor ${t.name} ends at byte ${t.end} but there are ${dataLength} data bytes: truncated?`);
    at = t.end;
  }
  if (at !== dataLength) throw bad(`${dataLength - at} bytes after the last tensor`);
  return { metadata: meta as Record<string, string>, entries, list, headerEnd };
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Reads a .safetensors file; a missing, truncated or corrupt file gives a one-line error naming it. */
export function loadSafetensors(path: string, device?: Device): SafetensorsFile {
  return decodeSafetensors(readBytes(path), path, device);
}

/**
 * Rewrites a .safetensors file's metadata with `edit`'s (atomically): the tensors' entries and data bytes are
 * copied as they are, never decoded, so every tensor stays byte-identical. The file is checked as loading checks it.
 */
export function editSafetensorsMetadata(
  path: string,
  edit: (metadata: Record<string, string>) => Record<string, string>,
): void {
  const buf = readBytes(path);
  const { metadata, entries, headerEnd } = decodeHeader(buf, path);
  const header = headerChunks({ __metadata__: edit({ ...metadata }), ...entries });
  writeFileAtomic(path, [...header, buf.subarray(headerEnd)]);
}
