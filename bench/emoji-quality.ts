// npm run bench:emoji -- [MODEL] : how well a text-to-image emoji model follows its prompts, measured with the
// emoji classifier (`difflab classifier train --data emoji-id ...`, models/emoji-classifier.safetensors).
// Three prompt sets, each n prompts drawn by a fixed seed from the corpus (both vendors):
//   captions     a training caption of a picture ("thumbs up, medium skin tone, twemoji");
//   paraphrases  2-3 of the emoji's CLDR keywords, never captions ("apple fruit red"), words it never read become <unk>;
//   unseen       a skin tone on an emoji that has none ("red apple, dark skin tone").
// Prompt fidelity: the share of samples the classifier assigns to the prompt's base emoji, top-1 and top-5, beside
// the classifier's own score on the real pictures (the library's namedClassRanks, as `difflab eval --prompts`). A
// caption names the emoji of the pictures it captions (promptClasses: "dog" names the dog and the dog face); a
// paraphrase or an unseen tone names the emoji it was made from. FID on the classifier's features against the real
// pictures of the prompted emoji, with the floor: Twemoji's pictures against Noto's of the same emoji.
// Environment: BENCH_N (2000), BENCH_STEPS (20), BENCH_GUIDANCE (3), BENCH_PRECISION (bf16), BENCH_SETS
// (captions,paraphrases,unseen), BENCH_CLASSIFIER; results as JSON lines on stdout.
import {
  Rng,
  cat,
  classifyImages,
  namedClassRanks,
  promptClasses,
  topShares,
  dpmpp2m,
  frechetDistance,
  featureStats,
  generate,
  loadClassifier,
  loadDenoiser,
  loadEmoji,
  batchImages,
  tensor,
  tidy,
  type Classifier,
  type Precision,
  type Tensor,
} from '../src/index.js';

const modelPath = process.argv[2] ?? 'models/emoji.safetensors';
const n = Number(process.env.BENCH_N ?? 2000);
const steps = Number(process.env.BENCH_STEPS ?? 20);
const guidance = Number(process.env.BENCH_GUIDANCE ?? 3);
const precision = (process.env.BENCH_PRECISION ?? 'bf16') as Precision;
const sets = (process.env.BENCH_SETS ?? 'captions,paraphrases,unseen').split(',');
const classifierPath = process.env.BENCH_CLASSIFIER ?? 'models/emoji-classifier.safetensors';
const batch = 250;

const { dataset: corpus, info } = await loadEmoji({ size: 32, labels: 'identity' });
const { classifier, classNames } = loadClassifier(classifierPath);
const model = loadDenoiser(modelPath, { precision });
if (!model.tokenizer) throw new Error(`${modelPath}: the model reads no text`);
if (classNames.length !== corpus.classNames.length)
  throw new Error(`${classifierPath}: ${classNames.length} classes, the corpus has ${corpus.classNames.length}`);

/** Top-1 and top-5 of the classifier on images against the classes named for each, and the features. */
function judge(
  net: Classifier,
  images: Tensor,
  named: readonly (readonly number[])[],
): { top1: number; top5: number; features: Tensor } {
  const { features } = classifyImages(net, images);
  return { ...topShares(namedClassRanks(net, features, named)), features };
}

const rng = new Rng(2026);
const TONES = ['light', 'medium-light', 'medium', 'medium-dark', 'dark'];
const toneless = new Set(info.map((x, i) => (x.tone === '' ? i : -1)).filter((i) => i >= 0));
const tonedBases = new Set(info.filter((x) => x.tone !== '').map((x) => x.base));

/** CLDR keywords hold a few signs the tokenizer does not read (curly quotes): spaces instead. */
const ascii = (p: string) =>
  p
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, ' ');

/** n (prompt, picture index) pairs of a set. */
function promptsOf(set: string): { prompts: string[]; pictures: Int32Array } {
  const prompts: string[] = [],
    pictures: number[] = [];
  while (prompts.length < n) {
    const i = Math.floor(rng.uniform() * corpus.count);
    const x = info[i]!;
    if (set === 'captions') {
      const c = corpus.captions![i]!;
      prompts.push(c[Math.floor(rng.uniform() * c.length)]!);
    } else if (set === 'paraphrases') {
      const labelWords = new Set(x.label.split(/\W+/));
      const tags = x.keywords.filter((k) => !labelWords.has(k));
      if (tags.length < 2) continue;
      const picked = [...tags].sort(() => rng.uniform() - 0.5).slice(0, Math.min(3, tags.length));
      prompts.push(ascii(picked.join(' ')));
    } else if (set === 'unseen') {
      if (!toneless.has(i) || tonedBases.has(x.base)) continue;
      prompts.push(`${ascii(x.label)}, ${TONES[Math.floor(rng.uniform() * TONES.length)]} skin tone`);
    } else throw new Error(`unknown set '${set}' (captions, paraphrases, unseen)`);
    pictures.push(i);
  }
  return { prompts, pictures: Int32Array.from(pictures) };
}

// The classifier on the real pictures, and the floor: Twemoji vs Noto features.
const realIds = Int32Array.from({ length: corpus.count }, (_, i) => i);
const real = tidy(() =>
  judge(
    classifier,
    batchImages(corpus, realIds),
    Array.from(corpus.labels!, (id) => [id]),
  ),
);
const byVendor = (v: string) => Int32Array.from(realIds.filter((i) => info[i]!.vendor === v));
const [tw, go] = [byVendor('twitter'), byVendor('google')];
const realFeatures = real.features.toFloat32Array();
const dim = real.features.shape[1]!;
const rows = (ids: Int32Array) => {
  const out = new Float32Array(ids.length * dim);
  ids.forEach((id, k) => out.set(realFeatures.subarray(id * dim, (id + 1) * dim), k * dim));
  return tensor(out, [ids.length, dim]);
};
const floor = tidy(() => frechetDistance(featureStats(rows(tw)), featureStats(rows(go))));
console.log(
  JSON.stringify({
    real: { top1: real.top1, top5: real.top5, n: corpus.count },
    floor: { fid: floor, n: [tw.length, go.length] },
  }),
);

for (const set of sets) {
  const { prompts, pictures } = promptsOf(set);
  const t0 = Date.now();
  const parts: Tensor[] = [];
  let unknown = 0;
  for (let first = 0; first < n; first += batch) {
    const chunk = prompts.slice(first, first + batch);
    unknown += chunk.filter((p) => model.tokenizer!.encode(p).unknownWords.length > 0).length;
    parts.push(
      tidy(() =>
        generate(model.denoiser, {
          sampler: dpmpp2m,
          numSteps: steps,
          count: chunk.length,
          batchSize: batch,
          seed: first,
          imageShape: model.imageShape,
          tokens: tensor(model.tokenizer!.encodeAll(chunk), [chunk.length, model.tokenizer!.contextLength]),
          guidance: { scale: guidance, nullClass: model.nullClass },
        }),
      ),
    );
  }
  const samples = cat(parts, 0);
  parts.forEach((p) => p.dispose());
  const named = set === 'captions' ? promptClasses(corpus, prompts) : Array.from(pictures, (i) => [corpus.labels![i]!]);
  const r = judge(classifier, samples, named);
  const fid = tidy(() => frechetDistance(featureStats(rows(pictures)), featureStats(r.features)));
  console.log(
    JSON.stringify({
      model: modelPath,
      step: model.step,
      set,
      n,
      sampler: `dpmpp-2m ${steps}`,
      guidance,
      precision,
      top1: r.top1,
      top5: r.top5,
      fid,
      fidFloor: floor,
      promptsWithUnknownWords: unknown / n,
      seconds: (Date.now() - t0) / 1000,
    }),
  );
  samples.dispose();
  r.features.dispose();
}
