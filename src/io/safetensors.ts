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
  float32: 'F32', float64: 'F64', bfloat16: 'BF16', float16: 'F16', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL',
} as const satisfies Record<DType, string>;
const dtypeOf = Object.fromEntries(Object.entries(formatDtype).map(([k, v]) => [v, k])) as Record<string, DType>;
const itemBytes: Record<string, number> = { F32: 4, F64: 8, BF16: 2, F16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1 };

function bytesOf(t: Tensor): { dtype: string; data: Uint8Array } {
  return { dtype: formatDtype[t.dtype], data: t.toBytes() };
}

/** Serialises named tensors (and string metadata) to safetensors bytes. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const { dtype, data } = bytesOf(tensors[name]!);
    header[name] = { dtype, shape: [...tensors[name]!.shape], data_offsets: [offset, offset + data.length] };
    blobs.push(data);
    offset += data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // align the data to 8 bytes (allowed by the format)
  const jsonBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(jsonBytes.length));
  return [len, jsonBytes, ...blobs];
}

/** Writes a .safetensors file atomically. */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Parses safetensors bytes; `source` names the file in error messages. */
export function decodeSafetensors(buf: Uint8Array, source = 'buffer', device?: Device): SafetensorsFile {
  const bad = (why: string) => new Error(`${source}: not a valid safetensors file (${why})`);
  if (buf.length < 8) throw bad(`only ${buf.length} bytes`);
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.readBigUInt64LE(0));
  if (n > buf.length - 8) throw bad(`header says ${n} bytes but the file has ${buf.length - 8} after it: truncated?`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(view.subarray(8, 8 + n).toString('utf8'));
  } catch {
    throw bad('header is not JSON');
  }
  const dataStart = 8 + n;
  const dataLength = buf.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  let end = 0;
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: off } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const size = itemBytes[dtype];
    if (size === undefined) throw bad(`tensor ${name} has unsupported dtype ${dtype}`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (!Array.isArray(off) || off[1] - off[0] !== count * size) throw bad(`tensor ${name}: offsets do not match its shape`);
    if (off[1] > dataLength) throw bad(`tensor ${name} ends at byte ${off[1]} but there are ${dataLength} data bytes: truncated?`);
    end = Math.max(end, off[1]);
    tensors[name] = fromBytes(buf.subarray(dataStart + off[0], dataStart + off[1]), shape, dtypeOf[dtype]!, device);
  }
  if (end !== dataLength) throw bad(`${dataLength - end} bytes after the last tensor`);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  return { tensors, metadata };
}

/** Reads a .safetensors file; a missing, truncated or corrupt file gives a one-line error naming it. */
export function loadSafetensors(path: string, device?: Device): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return decodeSafetensors(buf, path, device);
}
