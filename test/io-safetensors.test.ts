// safetensors: exact round trips, clear errors on damaged files, atomic writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng, indices, loadSafetensors, saveSafetensors, tensor, tidy } from '../src/index.js';
import { tempDir } from './helpers.js';

test('round trip is exact for float32, float64 and int64, with metadata', () => {
  tidy(() => {
    const dir = tempDir();
    const rng = new Rng(3);
    const f32 = rng.randn([4, 3, 2]);
    const f64 = rng.randn([5], { dtype: 'float64' });
    const ids = indices([0, 7, -3, 123456]);
    const scalar = tensor([2.5], []);
    const path = join(dir, 'w.safetensors');
    saveSafetensors(path, { f32, f64, ids, scalar }, { config: JSON.stringify({ a: 1 }) });
    const { tensors, metadata } = loadSafetensors(path);
    assert.deepEqual(tensors.f32!.toFloat32Array(), f32.toFloat32Array());
    assert.deepEqual(tensors.f32!.shape, [4, 3, 2]);
    assert.equal(tensors.f64!.dtype, 'float64');
    assert.deepEqual(tensors.f64!.toFloat64Array(), f64.toFloat64Array());
    assert.equal(tensors.ids!.dtype, 'int64');
    assert.deepEqual([...tensors.ids!.toInt32Array()], [0, 7, -3, 123456]);
    assert.deepEqual(tensors.scalar!.shape, []);
    assert.deepEqual(JSON.parse(metadata.config!), { a: 1 });
    // the header is the documented layout: u64 length, JSON, data
    const buf = readFileSync(path);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    assert.deepEqual(header.f32.dtype, 'F32');
    assert.deepEqual(header.f64.data_offsets[1] - header.f64.data_offsets[0], 40);
    assert.deepEqual(readdirSync(dir), ['w.safetensors'], 'a temporary file was left behind');
  });
});

test('a truncated file is rejected with a clear message', () => {
  tidy(() => {
    const dir = tempDir();
    const path = join(dir, 'w.safetensors');
    saveSafetensors(path, { w: new Rng(1).randn([64, 64]) });
    const whole = readFileSync(path);
    writeFileSync(path, whole.subarray(0, whole.length - 100));
    assert.throws(() => loadSafetensors(path), /w\.safetensors: not a valid safetensors file .*truncated/);
    writeFileSync(path, whole.subarray(0, 20));
    assert.throws(() => loadSafetensors(path), /truncated/);
    writeFileSync(path, whole.subarray(0, 5));
    assert.throws(() => loadSafetensors(path), /not a valid safetensors file \(only 5 bytes\)/);
  });
});

test('a corrupt header and a missing file give one-line errors naming the file', () => {
  const dir = tempDir();
  const path = join(dir, 'bad.safetensors');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(5n);
  writeFileSync(path, Buffer.concat([len, Buffer.from('{oops')]));
  assert.throws(() => loadSafetensors(path), /bad\.safetensors: not a valid safetensors file \(header is not JSON\)/);
  assert.throws(() => loadSafetensors(join(dir, 'none.safetensors')), /none\.safetensors: cannot read \(ENOENT\)/);
  assert.equal(existsSync(join(dir, 'none.safetensors')), false);
});
