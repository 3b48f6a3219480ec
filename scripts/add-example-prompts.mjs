// node scripts/add-example-prompts.mjs [MODEL...] (default models/emoji.safetensors): gives a text model trained
// before runs recorded example prompts the ones a run records now: drawExamplePrompts over its training captions
// with its seed, written into the stored config by setExamplePrompts, which copies every tensor byte and the rest of
// the metadata as they are. The captions are read from the config's data source as training read them (emoji, or
// folder:DIR with its metadata.jsonl or .txt files; a folder trained with --bad-files skip must still hold the
// same readable pictures). Build first (npm run build).
import {
  drawExamplePrompts,
  loadDatasetAsync,
  loadModel,
  setExamplePrompts,
  withFolderCaptions,
} from '../dist/src/index.js';

const paths = process.argv.slice(2);
for (const path of paths.length > 0 ? paths : ['models/emoji.safetensors']) {
  const { network, config } = loadModel(path);
  network.dispose();
  const spec = config.data;
  const folder = spec.startsWith('folder:') ? spec.slice('folder:'.length) : null;
  const fit = { size: config.imageSize, channels: config.network.imageChannels };
  const { dataset } = await loadDatasetAsync(spec, fit);
  const captions = (folder ? withFolderCaptions(dataset, folder) : dataset).captions;
  if (!captions) {
    console.error(`${path}: its data '${spec}' has no captions (a text model's data is emoji or a captioned folder)`);
    process.exit(1);
  }
  const examples = drawExamplePrompts(captions, config.seed);
  setExamplePrompts(path, examples);
  console.log(`${path}: ${examples.length} example prompts from ${spec}'s captions (seed ${config.seed}):`);
  for (const e of examples) console.log(`  ${e}`);
}
