// Visual anagrams (Geng et al. 2024): one picture that reads as A as it is and as B under a view (a flip, a
// rotation, a negation). Its fields, once, and their parsing for every door.
import { view, visualAnagram, type ViewName } from '../editing/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { jobCondition } from './condition.js';
import { guided, samplingOutput, samplingRun, stepper, type JobOutput, type RunJobOptions } from './output.js';
import { picturesAtModelSize } from './pictures.js';
import { negativePromptField, readCondition, readSampling, samplingFields, startField } from './common-fields.js';
import { choice, classOf, int, readChoice, readNumber, text, type Door, type FieldContext } from './fields.js';
import type { SamplingSpec, ConditionSpec, SamplingDefaults } from './specs.js';

export interface AnagramSpec extends SamplingSpec {
  kind: 'anagram';
  count: number;
  /** The image as it is, and under the view (a class or a prompt each; b's negative prompt is a's). */
  a: ConditionSpec;
  b: ConditionSpec;
  view: ViewName;
}

/** The views an anagram may use (identity would make both readings the same image). */
export const anagramViews: readonly ViewName[] = ['flip', 'rot90', 'rot180', 'negate'];

/** DDIM with eta = 1 as every edit (sdedit.ts); anagrams need guidance to show their two readings at all (w = 3). */
export const defaults = {
  sampler: 'ddim',
  eta: 1,
  guidance: 3,
  count: 1,
  view: 'flip',
} as const satisfies SamplingDefaults;

/** The fields a command line names, in brief (its --help lists them all). */
export const usage =
  '(--class-a A | --prompt-a P) (--class-b B | --prompt-b Q) [--view flip|rot90|rot180|negate] [--n N]';

export const fields = {
  n: int(defaults.count, { min: 1 }, 'number of images'),
  classA: classOf('class of the picture as it is (name or id)'),
  classB: classOf('class of the picture under the view'),
  promptA: text('prompt of the picture as it is (models that read text)'),
  promptB: text('prompt of the picture under the view'),
  negativePrompt: negativePromptField,
  view: choice(anagramViews, defaults.view, anagramViews.join('|')),
  ...samplingFields(defaults),
  startAt: startField,
};

export function parse(door: Door, ctx: FieldContext): AnagramSpec {
  return {
    kind: 'anagram',
    count: readNumber(door, 'n', fields.n, ctx)!,
    a: readCondition(door, ctx, { class: 'classA', prompt: 'promptA', negative: 'negativePrompt', side: true }),
    b: readCondition(door, ctx, { class: 'classB', prompt: 'promptB', side: true }),
    view: readChoice(door, 'view', fields.view)!,
    ...readSampling(door, defaults, ctx),
  };
}

/** The anagrams as they are and under the view (the figure's panels), and both as pictures at the model's size. */
export function run(m: LoadedDenoiser, spec: AnagramSpec, o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const r = samplingRun(m, spec);
  const n = spec.count,
    v = view(spec.view);
  const names = (side: string) => ({ prompt: `prompt ${side}`, negativePrompt: 'negative prompt' });
  const [ca, cb] = [jobCondition(m, spec.a, n, notes, names('A')), jobCondition(m, spec.b, n, notes, names('B'))];
  const d = visualAnagram(guided(m, spec.guidance, ca.nullCond), { condA: ca.cond, condB: cb.cond, view: v });
  const st = stepper(r.numSteps, o);
  const x = r.sampler(d, [n, ...m.imageShape], { rng: r.rngFor(n), numSteps: r.numSteps, onStep: st.onStep });
  const [a, b] = [ca.label, cb.label];
  const viewed = v.apply(x);
  return samplingOutput(
    r,
    st,
    notes,
    [
      { label: `${a}\n(as is)`, images: x },
      { label: `${b}\n(${spec.view})`, images: viewed },
    ],
    0,
    `visual anagram: ${a} as is | ${b} under ${spec.view}`,
    {
      pictures: picturesAtModelSize([
        { label: `${a} (as is)`, images: x },
        { label: `${b} (${spec.view})`, images: viewed, name: spec.view },
      ]),
    },
  );
}
