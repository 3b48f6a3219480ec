// The trainer: learning, exact resume, atomic checkpoints that survive SIGKILL, the NaN guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dispose,
  learningRate,
  loadSafetensors,
  saveSafetensors,
  Rng,
  latestCheckpoint,
  loadCheckpoint,
  loadDenoiser,
  loadModel,
  meanImage,
  principalSpread,
  resolveTrainConfig,
  saveModel,
  setDataMean,
  train,
  trainingSet,
  tidy,
  makeDataset,
  type Dataset,
  type TrainConfig,
  scheduleWarnings,
  SHORT_RUN_PICTURES,
} from '../src/index.js';
import { tempDir } from './helpers.js';

/** 64 synthetic 8x8 images of 2 classes: bright squares (class 0) and bright bars (class 1) on black. */
function shapesDataset(n = 64): Dataset {
  const rng = new Rng(99);
  const images = new Uint8Array(n * 64),
    labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const [x0, y0] = [rng.int(4), rng.int(4)];
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        const inside = labels[i] === 0 ? x >= x0 && x < x0 + 4 && y >= y0 && y < y0 + 4 : x >= x0 && x < x0 + 2;
        images[i * 64 + y * 8 + x] = inside ? 255 : 0;
      }
  }
  return makeDataset({
    images,
    labels,
    classNames: ['square', 'bar'],
    shape: [1, 8, 8],
    count: n,
    source: 'synthetic',
  });
}

function tinyConfig(over: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig({
    data: 'synthetic',
    imageChannels: 1,
    imageSize: 8,
    classNames: ['square', 'bar'],
    preset: 'tiny',
    steps: 20,
    batchSize: 16,
    lr: 2e-3,
    lrWarmupSteps: 5,
    checkpointEvery: 10,
    sampleEvery: 0,
    ...over,
  });
}

function meanLoss(csv: string, from: number, to: number): number {
  const rows = csv
    .trim()
    .split('\n')
    .slice(1)
    .map((r) => r.split(',').map(Number))
    .filter(([s]) => s! >= from && s! <= to);
  return rows.reduce((a, r) => a + r[1]!, 0) / rows.length;
}

test('200 steps of a tiny U-Net on 64 images bring the loss clearly below its start', async () => {
  const dir = tempDir();
  const result = await train(tinyConfig({ steps: 200, checkpointEvery: 100 }), trainingSet(shapesDataset()), dir);
  assert.equal(result.step, 200);
  const csv = readFileSync(join(dir, 'loss.csv'), 'utf8');
  const start = meanLoss(csv, 1, 10),
    end = meanLoss(csv, 181, 200);
  assert.ok(end < 0.6 * start, `loss ${start.toFixed(3)} -> ${end.toFixed(3)}`);
  for (const f of ['config.json', 'loss.csv', 'model.safetensors', 'checkpoints'])
    assert.ok(existsSync(join(dir, f)), f);
  const model = loadModel(result.modelPath);
  assert.equal(model.step, 200);
  assert.equal(model.config.preset, 'tiny');
  model.network.dispose();
});

test('resume is exact: 10 steps + resume 10 equals 20 uninterrupted steps', async () => {
  const data = trainingSet(shapesDataset());
  const a = tempDir(),
    b = tempDir();
  await train(tinyConfig({ steps: 20 }), data, a);
  const stop = new AbortController(); // an interrupted run: same config, stopped after step 10
  const first = await train(tinyConfig({ steps: 20 }), data, b, {
    signal: stop.signal,
    onStep: (r) => {
      if (r.step === 10) stop.abort();
    },
  });
  assert.equal(first.stopped, 'aborted');
  assert.equal(first.step, 10);
  await train(tinyConfig({ steps: 20 }), data, b, { resume: true });
  tidy(() => {
    const wa = loadCheckpoint(latestCheckpoint(a)!).state,
      wb = loadCheckpoint(latestCheckpoint(b)!).state;
    assert.equal(wb.step, 20);
    for (const part of ['model', 'ema'] as const) {
      for (const [k, t] of Object.entries(wa[part])) {
        assert.deepEqual(wb[part][k]!.toFloat32Array(), t.toFloat32Array(), `${part}.${k} differs after resume`);
      }
    }
    wa.adam.m.forEach((t, i) => assert.deepEqual(wb.adam.m[i]!.toFloat32Array(), t.toFloat32Array()));
  });
  assert.equal(readFileSync(join(a, 'loss.csv'), 'utf8'), readFileSync(join(b, 'loss.csv'), 'utf8'));
});

test("a run stores its images' mean and spread in the model file and checkpoints, where samplers start; older files get them from setDataMean", async () => {
  const data = shapesDataset(),
    dir = tempDir();
  const result = await train(tinyConfig({ steps: 10, hflip: true }), trainingSet(data), dir);
  const want = meanImage(data, { hflip: true });
  const direct = Array.from({ length: 64 }, (_, p) => {
    let s = 0;
    for (let i = 0; i < data.count; i++)
      s += data.images[i * 64 + p]! + data.images[i * 64 + p - (p % 8) + 7 - (p % 8)]!;
    return s / (2 * data.count) / 127.5 - 1;
  });
  want.forEach((v, p) => assert.ok(Math.abs(v - direct[p]!) < 1e-6, `mean pixel ${p}: ${v} vs ${direct[p]}`));
  const spread = principalSpread(data, { hflip: true });
  for (const path of [result.modelPath, latestCheckpoint(dir)!]) {
    const m = loadDenoiser(path);
    assert.deepEqual(m.denoiser.priorMean?.shape, [1, 8, 8], path);
    assert.deepEqual(m.denoiser.priorMean?.data, want, path);
    assert.deepEqual(m.denoiser.priorSpread?.shape, [spread.length / 64, 1, 8, 8], path);
    assert.deepEqual(m.denoiser.priorSpread?.data, spread, path);
    m.network.dispose();
  }
  assert.deepEqual(loadCheckpoint(latestCheckpoint(dir)!).state.dataMean?.data, want);
  assert.deepEqual(loadCheckpoint(latestCheckpoint(dir)!).state.dataSpread?.data, spread);
  // A file written without it (as before 2026-12-04) starts at 0, until setDataMean stores one.
  const old = join(dir, 'old.safetensors'),
    m = loadModel(result.modelPath);
  saveModel(old, m.config, m.network.stateDict(), m.step, null);
  m.network.dispose();
  const before = loadDenoiser(old);
  assert.equal(before.denoiser.priorMean, undefined);
  assert.equal(before.denoiser.priorSpread, undefined);
  before.network.dispose();
  setDataMean(old, { data: want, shape: [1, 8, 8] }, { data: spread, shape: [spread.length / 64, 1, 8, 8] });
  const after = loadDenoiser(old);
  assert.deepEqual(after.denoiser.priorMean?.data, want);
  assert.deepEqual(after.denoiser.priorSpread?.data, spread);
  after.network.dispose();
  assert.throws(
    () => setDataMean(old, { data: want, shape: [1, 8, 8] }, { data: spread, shape: [spread.length] }),
    /the data spread has shape \[\d+\], not \(k >= 1, 1, 8, 8\)/,
  );
  assert.throws(() => setDataMean(old, { data: want, shape: [64] }), /shape \[64\], the model's images \[1, 8, 8\]/);
});

test("a resumed run keeps its checkpoint's mean and spread (not recomputed); a checkpoint whose mean or spread has another shape is refused, naming it", async () => {
  const data = trainingSet(shapesDataset()),
    dir = tempDir();
  const stop = new AbortController();
  await train(tinyConfig({ steps: 10, checkpointEvery: 5 }), data, dir, {
    signal: stop.signal,
    onStep: (r) => {
      if (r.step === 5) stop.abort();
    },
  });
  const path = latestCheckpoint(dir)!;
  const saved = loadCheckpoint(path).state;
  let computed = 0; // the data's own mean and spread, counted: a resume must not need them
  const counted: typeof data = {
    ...data,
    meanImage: (h) => (computed++, data.meanImage(h)),
    spread: (h) => (computed++, data.spread(h)),
  };
  const result = await train(tinyConfig({ steps: 10, checkpointEvery: 5 }), counted, dir, { resume: true });
  assert.equal(computed, 0);
  const m = loadDenoiser(result.modelPath);
  assert.deepEqual(m.denoiser.priorMean?.data, saved.dataMean?.data);
  assert.deepEqual(m.denoiser.priorSpread?.data, saved.dataSpread?.data);
  m.network.dispose();
  for (const [key, why] of [
    ['data.mean', /tensor data\.mean: the data mean has shape \[64\], the model's images \[1, 8, 8\]/],
    ['data.spread', /tensor data\.spread: the data spread has shape \[\d+, 64\], not \(k >= 1, 1, 8, 8\)/],
  ] as const) {
    const file = loadSafetensors(path);
    const bad = join(dir, `bad-${key}.safetensors`);
    const t = file.tensors[key]!;
    const flat = t.reshape(key === 'data.mean' ? [-1] : [t.shape[0]!, -1]); // the image's pixels in one row
    saveSafetensors(bad, { ...file.tensors, [key]: flat }, file.metadata);
    dispose(file.tensors);
    flat.dispose();
    assert.throws(
      () => loadCheckpoint(bad),
      (e: Error) => why.test(e.message) && e.message.startsWith(bad),
    );
  }
});

test('keep-last-K prunes old checkpoints', async () => {
  const dir = tempDir();
  await train(tinyConfig({ steps: 25, checkpointEvery: 5, keepLast: 2 }), trainingSet(shapesDataset()), dir);
  assert.deepEqual(readdirSync(join(dir, 'checkpoints')), ['step-00000020.safetensors', 'step-00000025.safetensors']);
});

test('a NaN loss stops training with a clear message and keeps the last good checkpoint', async () => {
  const dir = tempDir();
  const base = trainingSet(shapesDataset());
  let calls = 0;
  const poisoned = {
    ...base,
    batch: (ids: Int32Array, o: { hflip: boolean; rng: Rng }) => {
      const b = base.batch(ids, o);
      return ++calls >= 13 ? { ...b, images: b.images.mul(NaN) } : b;
    },
  };
  await assert.rejects(
    train(tinyConfig({ steps: 20 }), poisoned, dir),
    /loss is NaN at step 13; last good checkpoint .*step-00000010/,
  );
  assert.deepEqual(readdirSync(join(dir, 'checkpoints')), ['step-00000010.safetensors']);
  assert.equal(loadCheckpoint(latestCheckpoint(dir)!).state.step, 10);
});

test('SIGKILL mid-run leaves a loadable last checkpoint and never a half-written one', async () => {
  const dir = tempDir();
  const script = `
    import { train, trainingSet, resolveTrainConfig, makeDataset } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
    const n = 64, images = new Uint8Array(n * 64).map((_, i) => (i * 37) % 256), labels = new Int32Array(n).map((_, i) => i % 2);
    const d = makeDataset({ images, labels, classNames: ['a', 'b'], shape: [1, 8, 8], count: n, source: 'x' });
    const c = resolveTrainConfig({ data: 'x', imageChannels: 1, imageSize: 8, classNames: ['a', 'b'], preset: 'tiny',
      steps: 100000, batchSize: 16, checkpointEvery: 3, sampleEvery: 0 });
    await train(c, trainingSet(d), ${JSON.stringify(dir)}, { onCheckpoint: (p, s) => { if (s >= 30) console.log('ckpt', s); } });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.on('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 150 + Math.random() * 200)); // land somewhere inside later steps/writes
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const files = readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.safetensors'));
  assert.ok(files.length >= 1);
  const steps = files.map((f) => loadCheckpoint(join(dir, 'checkpoints', f)).state.step); // every visible one is whole
  assert.ok(
    steps.every((s) => s % 3 === 0),
    `checkpoint steps ${steps}`,
  );
  assert.ok(Math.max(...steps) >= 30, `the newest checkpoint (step ${Math.max(...steps)}) was lost`);
});

test("init: a warm-started run begins at the given model's weights and records where they came from", async () => {
  const data = trainingSet(shapesDataset());
  const first = await train(tinyConfig({ steps: 40 }), data, tempDir());
  const dir = tempDir();
  const warm = tinyConfig({
    steps: 1,
    lr: 1e-12,
    lrWarmupSteps: 0,
    seed: 5,
    init: { model: first.modelPath, step: 40 },
  });
  await train(warm, data, dir);
  tidy(() => {
    const start = loadModel(first.modelPath).network.stateDict(),
      s = loadCheckpoint(latestCheckpoint(dir)!);
    for (const [k, t] of Object.entries(start)) {
      const a = t.toFloat32Array(),
        b = s.state.model[k]!.toFloat32Array(),
        e = s.state.ema[k]!.toFloat32Array();
      assert.ok(
        a.every((x, i) => Math.abs(x - b[i]!) < 1e-6 && Math.abs(x - e[i]!) < 1e-6),
        `${k} did not start from the init model`,
      );
    }
    assert.deepEqual(s.config.init, { model: first.modelPath, step: 40 });
    assert.equal(
      loadModel(join(dir, 'model.safetensors')).step,
      41,
      'a warm-started model counts the steps of its init model',
    );
  });
  // a fresh run with the same seed starts elsewhere (so the check above could fail), and its first loss is higher
  const fresh = tempDir();
  await train(tinyConfig({ steps: 1, lr: 1e-12, lrWarmupSteps: 0, seed: 5 }), data, fresh);
  const firstLoss = (d: string) => Number(readFileSync(join(d, 'loss.csv'), 'utf8').split('\n')[1]!.split(',')[1]);
  assert.ok(firstLoss(dir) < firstLoss(fresh), `warm ${firstLoss(dir)} vs fresh ${firstLoss(fresh)}`);
  const other = resolveTrainConfig({
    data: 'synthetic',
    imageChannels: 1,
    imageSize: 8,
    classNames: [],
    preset: 'tiny',
    steps: 1,
    init: { model: first.modelPath, step: 40 },
  });
  await assert.rejects(train(other, data, tempDir()), /its network differs from this run's/);
});

test("lr-decay linear is seed 000's LambdaLR(max(0.2, 1 - epoch / n)) per step: from lr down, floored at lrMinFactor", () => {
  const o = { lr: 1e-3, lrWarmupSteps: 0, lrDecay: 'linear', totalSteps: 100, lrMinFactor: 0.2 } as const;
  assert.ok(Math.abs(learningRate(1, o) - 1e-3 * 0.99) < 1e-12);
  assert.ok(Math.abs(learningRate(50, o) - 0.5e-3) < 1e-12);
  assert.ok(Math.abs(learningRate(80, o) - 0.2e-3) < 1e-12);
  assert.equal(learningRate(95, o), 0.2e-3);
  assert.equal(learningRate(100, o), 0.2e-3);
});

test('scheduleWarnings: a diffusion run under a million pictures is warned as likely to underfit, a denoiser is not', () => {
  const run = { lr: 1e-3, lrWarmupSteps: 0, batchSize: 128 };
  const warned = (steps: number, task: 'diffusion' | 'denoise' = 'diffusion') =>
    scheduleWarnings({ ...run, steps, task }).some((w) => /likely to underfit/.test(w));
  assert.equal(SHORT_RUN_PICTURES, 1_000_000);
  assert.equal(warned(1406), true, "the seed's 20 epochs of the 9,000 digits: 180,000 pictures");
  assert.equal(warned(9352), false, "the seed's pictures seen, 1.2 million");
  assert.equal(warned(10_000), false, "train's defaults: 10,000 steps of 128");
  assert.equal(warned(1406, 'denoise'), false, 'the single-step denoiser learns one noise level');
});
