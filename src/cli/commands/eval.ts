// `difflab eval`: sample a model (resumably, in .npy shards) and measure FID, KID, optional precision/recall and
// class accuracy (or, over --prompts, prompt fidelity) on the feature classifier, with the real-vs-real floor; or,
// with --real A --real B, the distance between two real sets (the floor itself). Prints a table and writes the JSON
// report (fields: docs/MODELS.md).
import {
  evalJob,
  modelInfo,
  sampleSizeWarning,
  loadClassifier,
  withFolderCaptions,
  writeFileAtomic,
  type Comparison,
  type Dataset,
  type ImageFolderOptions,
} from '../../index.js';
import type { Command } from '../command.js';
import { readModel } from '../image-options.js';
import { Progress } from '../progress.js';
import { loadData, readDataSpec } from '../data-option.js';
import { evalBytes, requireMemory } from '../limits.js';
import { evalOptions, readEvalSettings, readEvalSpec } from './eval-options.js';
import { pct, promptRows, readEvalPrompts } from './eval-prompts.js';

/**
 * A source as eval compares it: folders fitted to the model's size and channels and, for prompts, read with their
 * captions when they have some.
 */
function dataLoader(o: { fit: ImageFolderOptions; captions: boolean }) {
  return async (s: string): Promise<Dataset> => {
    const d = await loadData(s, o.fit);
    if (!o.captions || !s.startsWith('folder:')) return d;
    try {
      return withFolderCaptions(d, s.slice('folder:'.length));
    } catch {
      return d; // no captions: prompts name classes by their names only
    }
  };
}

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
    `[--model FILE] [--sampler S] [--steps N] [--n ${evalJob.defaults.n}] [--guidance W] [--classes A,B | --prompts FILE] ` +
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
      const sets = await Promise.all(
        real.map(async (name) => ({ name, data: await loadData(readDataSpec(name, 'real')) })),
      );
      for (const { name, data } of sets)
        evalJob.checkClassifierFits(classifierPath, trained, `--real ${name}`, {
          shape: data.shape,
          classNames: data.classNames,
        });
      warnSmall();
      const { report, comparison: c } = evalJob.runReal(
        { classifier: trained, classifierPath },
        [sets[0]!, sets[1]!],
        s,
      );
      writeFileAtomic(out, JSON.stringify(report, null, 2) + '\n');
      console.log(
        `${real[0]} vs ${real[1]}, n = ${c.n.join(' / ')}: FID ${c.fid.toFixed(3)}, KID x 1000 ${kidText(c)}` +
          `${c.precision !== undefined ? `, precision ${pct(c.precision)}, recall ${pct(c.recall!)}` : ''}` +
          `, recognised ${pct(c.recognised.share)} / ${pct(c.recognised.floorShare)}\nwrote ${out}`,
      );
      classifier.dispose();
      return 0;
    }

    const model = readModel(v);
    const prompts = s.prompts === undefined ? undefined : readEvalPrompts(s.prompts, model);
    const spec = readEvalSpec(v, s, modelInfo(model, { withSource: true }), prompts);
    evalJob.checkClassifierFits(classifierPath, trained, `--model ${modelPath}`, {
      shape: model.imageShape,
      classNames: model.classNames,
    });
    const load = dataLoader({
      fit: { size: model.imageShape[1], channels: model.imageShape[0] === 3 ? 3 : 1 },
      captions: prompts !== undefined,
    });
    const data = s.data ?? readDataSpec(undefined, 'data', model.config.data);
    const { reference, floor, names } = await evalJob.referenceSets(data, s.floorData, load, {
      byClass: prompts !== undefined,
    });
    evalJob.checkClassifierFits(classifierPath, trained, `the data ${names[0]}`, { classNames: reference.classNames });
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
      reference,
      floor,
      names,
      workDir,
    };
    const result = await evalJob
      .run(inputs, spec, {
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
