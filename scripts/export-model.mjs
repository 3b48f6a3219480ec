// node scripts/export-model.mjs CHECKPOINT OUT: writes a training checkpoint's EMA weights with its config as an
// inference model file (what sampling loads, a quarter of the checkpoint's size: no raw weights, no optimizer).
import { loadModel, saveModel } from '../dist/src/index.js';
const [from, to] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: node scripts/export-model.mjs CHECKPOINT OUT.safetensors');
  process.exit(2);
}
const { network, config, step, dataMean, dataSpread } = loadModel(from);
saveModel(to, config, network.stateDict(), step - (config.init?.step ?? 0), dataMean, dataSpread);
console.log(`${to}: EMA weights of ${from} (step ${step})`);
