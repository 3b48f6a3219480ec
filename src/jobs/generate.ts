// Generation: n pictures from noise, of a class or a prompt where one is given. Its fields, once, and their parsing
// for every door (the command line adds its own extras: every class in turn, a file of prompts, a comparison).
import { defaultGenerateBatch, generate } from '../editing/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { jobCondition } from './condition.js';
import { samplingOutput, samplingRun, stepper, type JobOutput, type RunJobOptions } from './output.js';
import { conditionFields, readConditioned, samplingFields, startField } from './common-fields.js';
import { int, readNumber, type Door, type FieldContext } from './fields.js';
import type { SamplingSpec, ConditionSpec, SamplingDefaults } from './specs.js';

export interface GenerateSpec extends SamplingSpec {
  kind: 'generate';
  count: number;
  condition: ConditionSpec;
}

/** Generation samples deterministically (DDIM, eta 0), unguided unless asked; 16 images. */
export const defaults = { sampler: 'ddim', eta: 0, guidance: 1, count: 16 } as const satisfies SamplingDefaults;

/**
 * Training previews, a use of this job: DDIM's 50 deterministic steps (eta 0) from the EMA weights with the run's
 * seed, so one preview differs from the last only by what training changed; text models at guidance 3 (their
 * captions are weak unguided), others unguided unless asked.
 */
export const previewDefaults = { sampler: 'ddim', eta: 0, numSteps: 50, textGuidance: 3 } as const;

/** The fields a command line names, in brief (its --help lists them all). */
export const usage = '[--class C | --prompt P] [--n N]';

export const fields = {
  n: int(defaults.count, { min: 1 }, 'number of images'),
  ...conditionFields,
  ...samplingFields(defaults),
  startAt: startField,
};

export function parse(door: Door, ctx: FieldContext): GenerateSpec {
  const { condition, sampling } = readConditioned(door, defaults, ctx);
  return { kind: 'generate', count: readNumber(door, 'n', fields.n, ctx)!, condition, ...sampling };
}

/** n pictures (one batch when frames are recorded, so they show the whole job). */
export function run(m: LoadedDenoiser, spec: GenerateSpec, o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const r = samplingRun(m, spec);
  const batchSize = o.frames ? spec.count : defaultGenerateBatch;
  const st = stepper(r.numSteps * Math.ceil(spec.count / batchSize), o);
  const c = jobCondition(m, spec.condition, spec.count, notes);
  const x = generate(m.denoiser, {
    sampler: r.sampler,
    imageShape: m.imageShape,
    count: spec.count,
    seed: spec.seed,
    numSteps: r.numSteps,
    classes: c.classes,
    embedding: c.embedding,
    tokens: c.tokens,
    batchSize,
    onStep: st.onStep,
    ...(c.given && spec.guidance !== 1
      ? { guidance: { scale: spec.guidance, nullClass: m.nullClass, nullTokens: c.nullTokens } }
      : {}),
  });
  const what = c.given ? c.label : 'unconditional';
  return samplingOutput(
    r,
    st,
    notes,
    [{ label: `${spec.count} x ${what}`, images: x }],
    0,
    `${spec.count} image${spec.count === 1 ? '' : 's'}, ${what}`,
    c.given ? { imageLabels: c.imageLabels } : {},
  );
}
