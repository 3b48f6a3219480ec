// Bad files for the reliability corpus, crafted byte by byte from good ones: PNGs chunk by chunk (every CRC
// recomputed unless the case is a bad CRC), JPEGs segment by segment, safetensors files header field by field.
import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';

export interface Chunk {
  type: string;
  data: Uint8Array;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** IHDR data: width, height, bit depth, colour type, compression, filter, interlace. */
export function ihdr(
  width: number,
  height: number,
  o: { depth?: number; colour?: number; interlace?: number } = {},
): Chunk {
  return {
    type: 'IHDR',
    data: Buffer.concat([u32(width), u32(height), Buffer.from([o.depth ?? 8, o.colour ?? 0, 0, 0, o.interlace ?? 0])]),
  };
}

/** Filtered grey scanlines (filter byte, then w bytes) of a w x h ramp, deflated: an IDAT's data. */
export function greyRows(w: number, h: number, o: { filter?: number; rows?: number } = {}): Buffer {
  const rows = Array.from({ length: o.rows ?? h }, (_, y) =>
    Buffer.from([o.filter ?? 0, ...Array.from({ length: w }, (_, x) => (x * 9 + y) % 256)]),
  );
  return deflateSync(Buffer.concat(rows));
}

/** The chunks of a good w x h grey PNG. */
export function pngChunks(w = 12, h = 10): Chunk[] {
  return [ihdr(w, h), { type: 'IDAT', data: greyRows(w, h) }, { type: 'IEND', data: new Uint8Array(0) }];
}

/** Chunks as a PNG file: signature, then length, type, data and CRC (wrong when badCrc names the chunk's index). */
export function pngBytes(chunks: readonly Chunk[], o: { badCrc?: number } = {}): Buffer {
  const parts = chunks.map((c, i) => {
    const body = Buffer.concat([Buffer.from(c.type, 'latin1'), c.data]);
    return Buffer.concat([u32(c.data.length), body, u32(crc32(body) + (o.badCrc === i ? 1 : 0))]);
  });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...parts]);
}

/** A good 16 x 16 baseline JPEG (jpeg-js). */
export function jpegBytes(): Buffer {
  const data = Buffer.alloc(16 * 16 * 4, 128);
  for (let i = 0; i < 16 * 16; i++) data[i * 4] = (i * 7) % 256;
  return Buffer.from(jpeg.encode({ width: 16, height: 16, data }, 90).data);
}

/** Offset of the first segment with this marker (0xC0: SOF0) in a JPEG. */
export function segmentAt(b: Uint8Array, marker: number): number {
  for (let p = 2; p + 3 < b.length;) {
    if (b[p + 1] === marker) return p;
    p += 2 + ((b[p + 2]! << 8) | b[p + 3]!);
  }
  throw new Error(`no segment 0x${marker.toString(16)}`);
}

/** A JPEG with its SOF0's height and width replaced. */
export function jpegSized(b: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(b),
    p = segmentAt(out, 0xc0);
  out.writeUInt16BE(height, p + 5);
  out.writeUInt16BE(width, p + 7);
  return out;
}

/** A safetensors file taken apart: its header (JSON, entries loosely typed: cases write wrong types in) and data. */
export interface Safetensors {
  header: Record<string, Record<string, unknown>>;
  data: Buffer;
}

/** A tensor's [begin, end) in the data. */
export const offsetsOf = (s: Safetensors, name: string) => s.header[name]!.data_offsets as [number, number];

export function parseSafetensors(b: Buffer): Safetensors {
  const n = Number(b.readBigUInt64LE(0));
  return { header: JSON.parse(b.subarray(8, 8 + n).toString('utf8')), data: Buffer.from(b.subarray(8 + n)) };
}

/** Header (JSON, or raw text) and data back into a file, with the header's length in front. */
export function safetensorsBytes(header: Record<string, unknown> | string, data: Uint8Array, length?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(length ?? BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

/** The names of a file's tensors in data order. */
export function tensorNames(s: Safetensors): string[] {
  return Object.keys(s.header)
    .filter((k) => k !== '__metadata__')
    .sort((a, b) => offsetsOf(s, a)[0] - offsetsOf(s, b)[0]);
}

/** A copy of a parsed file changed by `edit` (which may change header and data in place), as bytes. */
export function mutated(s: Safetensors, edit: (c: Safetensors) => void): Buffer {
  const c = { header: structuredClone(s.header), data: Buffer.from(s.data) };
  edit(c);
  return safetensorsBytes(c.header, c.data);
}

/** A file without the tensors `drop` picks, the rest laid out again back to back. */
export function withoutTensors(s: Safetensors, drop: (name: string) => boolean): Buffer {
  const header: Record<string, unknown> = { __metadata__: s.header.__metadata__ };
  const parts: Buffer[] = [];
  let at = 0;
  for (const name of tensorNames(s).filter((n) => !drop(n))) {
    const [begin, end] = offsetsOf(s, name);
    header[name] = { ...s.header[name], data_offsets: [at, at + end - begin] };
    parts.push(s.data.subarray(begin, end));
    at += end - begin;
  }
  return safetensorsBytes(header, Buffer.concat(parts));
}
