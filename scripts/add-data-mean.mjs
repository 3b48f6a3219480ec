// node scripts/add-data-mean.mjs MODEL... : gives a model file or checkpoint written before files held the mean of
// their training images (tensor data.mean, where samplers start; before 2026-12-04 they started at 0) the mean a
// run stores now: meanImage over the config's data as training read it (with the run's flips), written by
// setDataMean, which keeps every other tensor and the metadata as they are. Sampling from the file changes: its
// samplers then start at the data's mean (docs/SEEDS.md, "Where samplers start"). Build first (npm run build).
import { loadDatasetAsync, loadModel, meanImage, setDataMean } from '../dist/src/index.js';

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
  setDataMean(path, { data, shape: [...dataset.shape] });
  const avg = data.reduce((a, b) => a + b, 0) / data.length;
  console.log(`${path}: data.mean of ${config.data} (${dataset.count} images, mean value ${avg.toFixed(4)})`);
}
