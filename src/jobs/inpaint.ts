// Inpainting (RePaint, Lugmayr et al. 2022): regenerate the masked region, keeping the rest of the picture at
// every step. Its fields, once, and their parsing for every door.
import { inpaint } from '../editing/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { jobCondition } from './condition.js';
import { guided, samplingOutput, samplingRun, stepper, towards, type JobOutput, type RunJobOptions } from './output.js';
import { jobMask, jobPicture, keptPixels, pictureAtInputSize } from './pictures.js';
import { conditionFields, readConditioned, samplingFields } from './common-fields.js';
import { int, isGiven, numbers, picture, readNumber, readNumbers, type Door, type FieldContext } from './fields.js';
import type { SamplingSpec, ConditionSpec, Picture, Box, SamplingDefaults } from './specs.js';

export interface InpaintSpec extends SamplingSpec {
  kind: 'inpaint';
  image: Picture;
  /** White = generate; a mask picture of the image's own size, or a box in model pixels. */
  mask: Picture | Box;
  condition: ConditionSpec;
  /** RePaint's resampling: times each step is taken. */
  resampleSteps: number;
}

/** DDIM with eta = 1, the strided DDPM posterior, as every edit (sdedit.ts); no resampling unless asked. */
export const defaults = { sampler: 'ddim', eta: 1, guidance: 1, resampleSteps: 1 } as const satisfies SamplingDefaults;

/** The fields a command line names, in brief (its --help lists them all). */
export const usage = '--image IMG (--mask MASK.png | --box x,y,w,h) [--resample R] [--class C | --prompt P]';

export const fields = {
  image: picture('the picture to edit: PNG or JPEG, grey or RGB, any size (the result comes back at its own size)'),
  mask: picture("grey PNG of the picture's size: white = generate, black = keep"),
  box: numbers({ min: 0, integer: true, length: 4 }, 'the region to generate as x,y,w,h in model pixels'),
  resample: int(defaults.resampleSteps, { min: 1, max: 100 }, 'RePaint resampling: times each step is taken'),
  ...conditionFields,
  ...samplingFields(defaults),
};

export function parse(door: Door, ctx: FieldContext): InpaintSpec {
  const { condition, sampling } = readConditioned(door, defaults, ctx);
  if (isGiven(door, 'mask') === isGiven(door, 'box'))
    door.refuse(`give exactly one of ${door.name('mask')} (a picture) and ${door.name('box')} (x,y,w,h)`);
  const b = readNumbers(door, 'box', fields.box, ctx);
  const size = ctx.imageShape[1];
  if (b && (b[2]! < 1 || b[3]! < 1 || b[0]! + b[2]! > size || b[1]! + b[3]! > size))
    door.refuse(
      `${door.name('box')} ${b.join(',')}: x,y,w,h must be integers inside the ${size}x${size} image (model pixels)`,
    );
  return {
    kind: 'inpaint',
    image: door.picture('image', door.given('image')),
    mask: b ? { x: b[0]!, y: b[1]!, w: b[2]!, h: b[3]! } : door.picture('mask', door.given('mask')),
    condition,
    resampleSteps: readNumber(door, 'resample', fields.resample, ctx)!,
    ...sampling,
  };
}

/** The inpainted picture at its own size (the kept region its own pixels), and the figure's three panels. */
export function run(m: LoadedDenoiser, spec: InpaintSpec, o: RunJobOptions = {}): JobOutput {
  const notes: string[] = [];
  const r = samplingRun(m, spec);
  const input = jobPicture(m, spec.image, notes);
  const mask = jobMask(m, spec.mask, input);
  const st = stepper(r.numSteps, o);
  const c = jobCondition(m, spec.condition, 1, notes);
  const x = inpaint(guided(m, c.given ? spec.guidance : 1, c.nullCond), input.image, {
    sampler: r.sampler,
    numSteps: r.numSteps,
    mask,
    rng: r.rngFor(1),
    cond: c.cond,
    resampleSteps: spec.resampleSteps,
    onStep: st.onStep,
  });
  const kept = input.image.mul(mask.neg().add(1)); // the hole as mid-grey (0)
  const resampled = spec.resampleSteps === 1 ? 'no resampling' : `resampling x${spec.resampleSteps}`;
  const subject = `inpainting${towards(c.label)}, ${resampled}`;
  return samplingOutput(
    r,
    st,
    notes,
    [
      { label: 'input', images: input.image },
      { label: 'kept region', images: kept },
      { label: 'result', images: x },
    ],
    2,
    `${subject}: input | kept region | result`,
    {
      subject,
      pictures: [
        {
          name: '',
          label: 'result',
          ...pictureAtInputSize(x, input.decoded, keptPixels(spec.mask, input.decoded, m.imageShape[1])),
        },
      ],
    },
  );
}
