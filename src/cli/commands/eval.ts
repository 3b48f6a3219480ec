// `difflab eval`: sample a model (resumably, in .npy shards) and measure FID, KID, optional precision/recall and
// class accuracy (or, over --prompts, prompt fidelity) on the feature classifier, with the real-vs-real floor; or,
// with --real A --real B, the distance between two real sets (the floor itself). Prints a table and writes the JSON
// report (fields: docs/MODELS.md).
import {
  evalJob,
  heldOutSpec,
  modelInfo,
  sampleSizeWarning,
  Rng,
  loadClassifier,
  splitHalves,
  withFolderCaptions,
  writeFileAtomic,
  type Comparison,
  type Dataset,
  type EvalCondition,
  type ImageFolderOptions,
  type TrainedClassifier,
} from '../../index.js';
import { UsageError, type Command } from '../command.js';
import { readClass, readModel } from '../image-options.js';
import { Progress } from '../progress.js';
import { loadData, readDataSpec } from '../data-option.js';
import { evalBytes, requireMemory } from '../limits.js';
import { evalOptions, readEvalSampling, readEvalSettings } from './eval-options.js';
import { promptCondition, promptRows, readEvalPrompts } from './eval-prompts.js';

/**
 * Reference (training) images and held-out images for the floor: the source's two splits, else two halves (each
 * class halved when prompts pick pictures by class). Folders are fitted to the model's size and channels and, for
 * prompts, read with their captions when they have some.
 */
async function referenceSets(
  spec: string,
  floorSpec: string | undefined,
  o: { fit: ImageFolderOptions; captions: boolean },
): Promise<{ reference: Dataset; floor: Dataset; names: [string, string] }> {
  const load = async (s: string) => {
    const d = await loadData(s, o.fit);
    if (!o.captions || !s.startsWith('folder:')) return d;
    try {
      return withFolderCaptions(d, s.slice('folder:'.length));
    } catch {
      return d; // no captions: prompts name classes by their names only
    }
  };
  const held = floorSpec ?? heldOutSpec(spec);
  if (held !== null) return { reference: await load(spec), floor: await load(held), names: [spec, held] };
  const [a, b] = splitHalves(await load(spec), new Rng(0), o.captions ? 'class' : 'random');
  return { reference: a, floor: b, names: [`${spec} (half A)`, `${spec} (half B)`] };
}

/** Up to four names, then how many in all. */
const nameList = (names: readonly string[]) =>
  `[${names.slice(0, 4).join(', ')}${names.length > 4 ? `, ... (${names.length} in all)` : ''}]`;

/**
 * The classifier must read what it is given: images of the model's (or the data's) channels and size, and the
 * same classes in the same order. Otherwise its features and class accuracy are another data set's: a Fashion-MNIST
 * classifier on an MNIST model reported 10% accuracy and exited 0.
 */
function checkClassifierFits(
  path: string,
  c: TrainedClassifier,
  other: string,
  o: { shape?: readonly number[]; classNames: readonly string[] },
): void {
  const { imageChannels: ch, imageSize: s } = c.classifier.config;
  if (o.shape && (o.shape[0] !== ch || o.shape[1] !== s || o.shape[2] !== s))
    throw new Error(
      `--classifier ${path} takes ${ch}x${s}x${s} images, ${other} has ${o.shape.join('x')}: ` +
        `train one on its data (difflab classifier train)`,
    );
  if (o.classNames.length > 0 && o.classNames.join('\n') !== c.classNames.join('\n'))
    throw new Error(
      `--classifier ${path} knows the classes ${nameList(c.classNames)}, ${other} has ${nameList(o.classNames)}: ` +
        `${other.startsWith('the data') ? "give --data with the classifier's classes, or " : ''}` +
        'train one on its data (difflab classifier train)',
    );
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const kidText = (c: Comparison) => `${(1000 * c.kid.mean).toFixed(2)} ± ${(1000 * c.kid.std).toFixed(2)}`;

function table(rows: [string, string, string][]): string {
  const w0 = Math.max(...rows.map((r) => r[0].length)),
    w1 = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd()).join('\n');
}

function comparisonRows(model: Comparison, floor: Comparison): [string, string, string][] {
  const rows: [string, string, string][] = [
    ['metric', 'model', 'floor (real vs real)'],
    ['FID', model.fid.toFixed(3), floor.fid.toFixed(3)],
    ['KID x 1000', kidText(model), kidText(floor)],
  ];
  if (model.precision !== undefined) rows.push(['precision (k=3)', pct(model.precision), pct(floor.precision!)]);
  if (model.recall !== undefined) rows.push(['recall (k=3)', pct(model.recall), pct(floor.recall!)]);
  return rows;
}

export const evalCommand: Command = {
  name: 'eval',
  summary:
    'measure a model: FID, KID, class accuracy or prompt fidelity on classifier features, beside the real-vs-real ' +
    'floor',
  usage:
    '[--model FILE] --sampler S [--steps N] [--n 10000] [--guidance W] [--classes A,B | --prompts FILE] ' +
    '--out report.json\n' +
    '       difflab eval --real fashion-mnist --real fashion-mnist-test [--n N] --out floor.json',
  options: evalOptions,
  async run(v) {
    const s = readEvalSettings(v);
    const { out, n, classifierPath, modelPath, batchSize } = s;
    const trained = loadClassifier(classifierPath);
    const { classifier } = trained;
    const small = sampleSizeWarning(n, classifier.config.featureDim);
    const warnSmall = () => (small ? console.error(`warning: --n ${n}: ${small}`) : undefined); // once the options hold

    const real = s.real;
    if (real !== undefined) {
      if (real.length !== 2) throw new UsageError(`--real must be given exactly twice, got ${real.length}`);
      const [a, b] = (await Promise.all(real.map((spec) => loadData(readDataSpec(spec, 'real'))))) as [
        Dataset,
        Dataset,
      ];
      [a, b].forEach((d, i) =>
        checkClassifierFits(classifierPath, trained, `--real ${real[i]}`, {
          shape: d.shape,
          classNames: d.classNames,
        }),
      );
      warnSmall();
      const { report, comparison: c } = evalJob.runReal(
        { classifier: trained, classifierPath },
        [
          { name: real[0]!, data: a },
          { name: real[1]!, data: b },
        ],
        s,
      );
      writeFileAtomic(out, JSON.stringify(report, null, 2) + '\n');
      console.log(
        `${real[0]} vs ${real[1]}, n = ${c.n.join(' / ')}: FID ${c.fid.toFixed(3)}, KID x 1000 ${kidText(c)}` +
          `${c.precision !== undefined ? `, precision ${pct(c.precision)}, recall ${pct(c.recall!)}` : ''}\nwrote ${out}`,
      );
      classifier.dispose();
      return 0;
    }

    const model = readModel(v);
    const sampling = readEvalSampling(v, modelInfo(model, { withSource: true }));
    const prompts = s.prompts === undefined ? null : readEvalPrompts(s.prompts, model);
    const byClass = model.classNames.length > 0 && prompts === null;
    const conditional = byClass || prompts !== null;
    if (!conditional && (v.guidance !== undefined || v.classes !== undefined))
      throw new UsageError(
        '--guidance and --classes need a class-conditional model' +
          (model.tokenizer ? ' (this one reads text: give --prompts FILE)' : ''),
      );
    const classes = !byClass
      ? null
      : s.classes === undefined
        ? model.classNames.map((_, i) => i)
        : s.classes.map((c) => readClass(c, 'classes', model)!);
    checkClassifierFits(classifierPath, trained, `--model ${modelPath}`, {
      shape: model.imageShape,
      classNames: model.classNames,
    });
    const { reference, floor, names } = await referenceSets(
      s.data ?? readDataSpec(undefined, 'data', model.config.data),
      s.floorData,
      {
        fit: { size: model.imageShape[1], channels: model.imageShape[0] === 3 ? 3 : 1 },
        captions: prompts !== null,
      },
    );
    checkClassifierFits(classifierPath, trained, `the data ${names[0]}`, { classNames: reference.classNames });
    const condition: EvalCondition = prompts
      ? promptCondition(model, prompts)
      : classes
        ? { kind: 'classes', classes }
        : { kind: 'none' };
    requireMemory(
      `--n ${n} with --batch ${batchSize}`,
      evalBytes(n, Math.min(n, batchSize), model.imageShape, classifier.config.featureDim),
    );
    warnSmall();
    const bar = new Progress({ label: 'eval', total: n, unit: 'img' });
    bar.resumeAt(0);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    const { workDir } = s;
    const inputs = {
      model,
      modelPath,
      classifier: trained,
      classifierPath,
      condition,
      reference,
      floor,
      names,
      workDir,
    };
    const result = await evalJob
      .run(inputs, s, sampling, {
        onProgress: (done, _total, reused) => (reused ? bar.resumeAt(done) : bar.update(done)),
        signal: controller.signal,
      })
      .finally(() => process.off('SIGINT', stop));
    bar.done();
    model.network.dispose();
    classifier.dispose();
    if (result.status === 'aborted') {
      console.error(`interrupted: the samples so far are in ${workDir}; run the same command again to resume`);
      return 130;
    }
    const { report, result: r } = result;
    writeFileAtomic(out, JSON.stringify(report, null, 2) + '\n');
    console.log(
      `${modelPath} (step ${model.step}): ${report.sampler}, ${report.nfe} network evaluations per sample` +
        `${report.guidance !== null ? `, guidance ${report.guidance}` : ''}; n = ${n} samples vs ${r.generated.n[0]} ` +
        `images of ${names[0]}; floor: ${r.floor.n[1]} images of ${names[1]}`,
    );
    const rows = comparisonRows(r.generated, r.floor);
    if (r.classAccuracy) {
      rows.push(['class accuracy', pct(r.classAccuracy.mean), '']);
      for (const p of r.classAccuracy.perClass) rows.push([`  ${p.name}`, pct(p.accuracy), '']);
    }
    if (prompts) rows.push(...promptRows(r.promptFidelity));
    rows.push([`recognised (p >= ${r.recognised.threshold})`, pct(r.recognised.share), pct(r.recognised.floorShare)]);
    console.log(table(rows));
    if (report.reference.note) console.log(report.reference.note);
    console.log(`wrote ${out}`);
    return 0;
  },
};
