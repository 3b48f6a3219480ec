// node scripts/add-data-mean.mjs MODEL... : gives a model file or checkpoint written before files held the mean and
// spread of their training images (tensors data.mean and data.spread, where samplers start; before 2026-12-04 they
// started at 0) what a run stores now: meanImage and principalSpread over the config's data as training read it
// (with the run's flips), written by setDataMean, which keeps every other tensor and the metadata as they are.
// Sampling from the file changes: its samplers then start at the data's Gaussian (docs/SEEDS.md, "Where sampling
// starts"). Build first (npm run build).
import { loadDatasetAsync, loadModel, meanImage, principalSpread, setDataMean } from '../dist/src/index.js';

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error('usage: node scripts/add-data-mean.mjs MODEL.safetensors...');
  process.exit(2);
}
for (const path of paths) {
  const { network, config } = loadModel(path);
  network.dispose();
  const fit = { size: config.imageSize, channels: config.network.imageChannels };
  const { dataset } = await loadDatasetAsync(config.data, fit);
  const data = meanImage(dataset, { hflip: config.hflip });
  const spread = principalSpread(dataset, { hflip: config.hflip });
  const k = spread.length / data.length;
  setDataMean(path, { data, shape: [...dataset.shape] }, { data: spread, shape: [k, ...dataset.shape] });
  const avg = data.reduce((a, b) => a + b, 0) / data.length;
  const sd = Math.hypot(...spread.subarray(0, data.length));
  console.log(
    `${path}: data.mean and data.spread of ${config.data} (${dataset.count} images, mean value ${avg.toFixed(4)}, ` +
      `${k} directions, the first's standard deviation ${sd.toFixed(2)})`,
  );
}
