// The addon keeps its state per Node environment: worker threads load it and compute alongside the main thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { Rng, conv2d, tidy } from '../src/index.js';

const index = new URL('../src/index.js', import.meta.url).href;
const job = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.index).then(({ Rng, conv2d, tidy }) => {
  const out = tidy(() => { const r = new Rng(workerData.seed); return conv2d(r.randn([2, 3, 8, 8]), r.randn([4, 3, 3, 3])).toFloat32Array(); });
  parentPort.postMessage(out);
});`;

function inWorker(seed: number): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const w = new Worker(job, { eval: true, workerData: { index, seed } });
    w.once('message', (m: Float32Array) => {
      resolve(m);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

test('two worker threads and the main thread use libtorch at once and agree', async () => {
  const [a, b] = await Promise.all([inWorker(1), inWorker(2)]);
  const here = (seed: number) =>
    tidy(() => {
      const r = new Rng(seed);
      return conv2d(r.randn([2, 3, 8, 8]), r.randn([4, 3, 3, 3])).toFloat32Array();
    });
  assert.deepEqual(a, here(1));
  assert.deepEqual(b, here(2));
  assert.notDeepEqual(a, b);
});
