// The safetensors format (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}, then raw
// little-endian data. difflab keeps its JSON configs inside __metadata__ so a checkpoint is one file.
import { readFileSync } from 'node:fs';
import { tensor, type Device, type Tensor } from '../engine/index.js';
import { writeFileAtomic } from './atomic.js';

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

const formatDtype = { float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL' } as const;
const itemBytes: Record<string, number> = { F32: 4, F64: 8, I64: 8, I32: 4, U8: 1, BOOL: 1 };

function bytesOf(t: Tensor): { dtype: string; data: Uint8Array } {
  const dtype = formatDtype[t.dtype];
  let arr: ArrayBufferView;
  if (dtype === 'F32') arr = t.toFloat32Array();
  else if (dtype === 'F64') arr = t.toFloat64Array();
  else if (dtype === 'I64') arr = BigInt64Array.from(t.toInt32Array(), (v) => BigInt(v));
  else if (dtype === 'I32') arr = t.toInt32Array();
  else arr = Uint8Array.from(t.toInt32Array());
  return { dtype, data: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
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
    const raw = new Uint8Array(buf.subarray(dataStart + off[0], dataStart + off[1])); // aligned copy
    let data: Float32Array | Float64Array | Int32Array | Uint8Array;
    if (dtype === 'F32') data = new Float32Array(raw.buffer);
    else if (dtype === 'F64') data = new Float64Array(raw.buffer);
    else if (dtype === 'I64') data = Int32Array.from(new BigInt64Array(raw.buffer), (v) => Number(v));
    else if (dtype === 'I32') data = new Int32Array(raw.buffer);
    else data = raw;
    tensors[name] = tensor(data, shape, device);
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
