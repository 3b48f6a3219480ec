// Sampling without blocking the event loop: JobWorker runs jobs on a worker thread (the addon's state is per
// Node environment), streams frames, and stops a job between steps when its signal aborts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobWorker, decodePng, type JobRequest } from '../src/index.js';
import { tinyModelFile } from './editing-helpers.js';

const request = (steps: number): JobRequest => ({
  kind: 'generate',
  count: 2,
  condition: { classes: [1, 1] },
  sampler: 'ddim',
  numSteps: steps,
  eta: 0,
  seed: 3,
  guidance: 2,
  preview: { maxFrames: 4, content: 'x0' },
});

test('a JobWorker samples on its own thread: the event loop keeps ticking, frames stream, the result is PNG', async () => {
  const worker = new JobWorker(await tinyModelFile());
  try {
    const info = await worker.ready;
    assert.deepEqual(info.imageShape, [1, 28, 28]);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    const frames: number[] = [];
    const t0 = performance.now();
    const result = await worker.run(request(200), { onFrame: (f) => frames.push(f.step) });
    const ms = performance.now() - t0;
    clearInterval(timer);
    assert.ok(ticks >= ms / 5 / 4, `${ticks} timer ticks in ${ms.toFixed(0)} ms: the main thread was free`);
    assert.deepEqual(frames, [50, 100, 150, 200]);
    assert.equal(result.images.length, 1);
    assert.equal(decodePng(result.images[0]!.png).height, 28 * 4 + 4);
    assert.match(result.summary, /ddim, 200 steps, seed 3, guidance 2/);
  } finally {
    await worker.close();
  }
});

test('an aborted job stops between steps; the worker runs the next one', async () => {
  const worker = new JobWorker(await tinyModelFile());
  try {
    const controller = new AbortController();
    const long = worker.run(request(1000), { signal: controller.signal, onFrame: () => controller.abort() });
    await assert.rejects(long, (e: Error) => e.name === 'AbortError');
    const next = await worker.run(request(2));
    assert.equal(next.images.length, 1);
  } finally {
    await worker.close();
  }
});

test('a missing model file rejects ready and every run with one line', async () => {
  const worker = new JobWorker('/nonexistent/model.safetensors');
  await assert.rejects(worker.ready, /no such model file/);
  await assert.rejects(worker.run(request(2)), /no such model file/);
  await worker.close();
});
