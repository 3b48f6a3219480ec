// npm start draws this beside the Fashion-MNIST grid: the shipped emoji text-to-image model on a handful of prompts.
import {
  loadDenoiser,
  generate,
  dpmpp2m,
  tensor,
  labelledGrid,
  writePng,
  tidy,
  resolvePrecision,
} from '../dist/src/index.js';
const m = loadDenoiser(new URL('../models/emoji.safetensors', import.meta.url).pathname, {
  precision: resolvePrecision('auto').precision,
});
const prompts = [
  'red apple',
  'thumbs up, dark skin tone',
  'grinning face',
  'dog face',
  'rocket',
  'red heart',
  'pizza',
  'sun',
];
const per = 6,
  n = prompts.length * per;
tidy(() => {
  const x = generate(m.denoiser, {
    sampler: dpmpp2m,
    numSteps: 20,
    count: n,
    imageShape: m.imageShape,
    seed: 0,
    tokens: tensor(m.tokenizer.encodeAll(Array.from({ length: n }, (_, i) => prompts[Math.floor(i / per)])), [n, 16]),
    guidance: { scale: 3, nullClass: 0 },
  });
  writePng(
    process.argv[2] ?? 'runs/emoji.png',
    labelledGrid(x, { nrow: per, title: `emoji model step ${m.step}, guidance 3, DPM-Solver++(2M) 20`, rows: prompts }),
  );
});
