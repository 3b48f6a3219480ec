// The score model's division by sigma_t is a prediction ('scaled-score'), not a network option: its denoiser
// implies the score h / sigma_t, a model file written when the network divided by itself (stored config: network
// kind 'score', prediction 'score') loads to the same denoiser as before, and training refuses the raw score.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  Rng,
  buildNetwork,
  fromNetwork,
  imageDenoiser,
  imageNetwork,
  loadModel,
  noGrad,
  perRow,
  resolveTrainConfig,
  runSchedule,
  saveModel,
  tidy,
  type NetworkFn,
  type TrainConfig,
} from '../src/index.js';
import { relativeError, tempDir } from './helpers.js';
import { scoreAgainstScaledOutput } from './scaled-score-check.js';

const dir = tempDir();
/** The scoreUNet preset's run at a small width (random weights load in well under a second). */
const config: TrainConfig = resolveTrainConfig({
  data: 'subset',
  imageChannels: 1,
  imageSize: 28,
  classNames: [],
  preset: 'scoreUNet',
  networkOverrides: { channels: [8, 16, 16, 32], embedDim: 16 },
  precision: 'fp32',
});
/** Noise levels inside the VE range (lambda 25: sigma up to 9.8) and away from 1, where dividing changes nothing. */
const levels = [0.05, 0.4, 3, 8];

/** Writes the model file of a network with small random weights under the given config. */
function writeModel(name: string, c: TrainConfig, seed: number): string {
  const path = join(dir, name);
  const net = buildNetwork(c.network, { rng: new Rng(seed) });
  saveModel(path, c, net.stateDict(), 0, null);
  net.dispose();
  return path;
}

test('the scoreUNet preset predicts scaled-score: its denoiser implies the score h / sigma_t', () => {
  assert.equal(config.prediction, 'scaled-score');
  assert.equal(config.schedule, 've');
  const m = loadModel(writeModel('new.safetensors', config, 21));
  const { score, hOverSigma } = scoreAgainstScaledOutput(m.network, m.config, { levels, rng: new Rng(22) });
  assert.ok(
    relativeError(score, hOverSigma) < 1e-4,
    `score != h / sigma_t (relative error ${relativeError(score, hOverSigma)})`,
  );
  m.network.dispose();
});

test('an old score model file (prediction score on a score network) loads as scaled-score, with the same x0 as before', () => {
  const oldConfig: TrainConfig = { ...config, prediction: 'score' }; // what files stored while the network divided
  const old = loadModel(writeModel('old.safetensors', oldConfig, 23));
  const now = loadModel(writeModel('same-weights.safetensors', config, 23));
  assert.equal(old.config.prediction, 'scaled-score', "the old file's config is read in today's terms");
  const s = runSchedule(config);
  // The old path, rebuilt: the network divided its output by sigma(time * tMax) and the result was the raw score.
  const dividing: NetworkFn = (x, time, cond) =>
    imageNetwork(old.network)(x, time, cond).div(
      perRow(
        Array.from(time.toFloat64Array(), (u) => s.sigma(u * s.tMax)),
        x,
      ),
    );
  const before = fromNetwork(dividing, { schedule: s, prediction: 'score', clipX0: [-1, 1] });
  const x = new Rng(24).randn([levels.length, 1, 28, 28]);
  const x0 = (d: { denoise: typeof before.denoise }) =>
    noGrad(() => tidy(() => d.denoise(x, levels, null).toFloat64Array()));
  const fromOld = x0(imageDenoiser(old.network, old.config));
  assert.deepEqual(fromOld, x0(imageDenoiser(now.network, now.config)), 'the old file and a new one differ');
  const err = relativeError(fromOld, x0(before));
  assert.ok(err < 1e-5, `the old file's x0 moved from the dividing network's (relative error ${err})`);
  for (const m of [old, now]) m.network.dispose();
  x.dispose();
});

test("training refuses the raw score and names 'scaled-score'", () => {
  assert.throws(
    () => resolveTrainConfig({ ...config, prediction: 'score', imageChannels: 1 }),
    /'scaled-score' learns sigma_t times it/,
  );
});
