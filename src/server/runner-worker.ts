// The playground's jobs, run in a worker thread of the runner process (runner-process.ts): the model is loaded
// once, each job is one library call (generate, sdedit, inpaint, visualAnagram, hybridImage, forwardStrip) with
// an onStep that streams preview frames and stops the sampler between steps when the job is cancelled.
// Cancellation: the runner's main thread sets cancel[0] to the job's id; onStep throws, and the scopes release
// every tensor on the way out.
import { parentPort, workerData } from 'node:worker_threads';
import {
  PerSampleRng, Rng, classifierFreeGuidance, decodeImage, encodeGif, encodePng, forwardStrip, frameRecorder,
  gaussianBlur, generate, hybridImage, imageGrid, imageInput, indices, inpaint, loadDenoiser, maskInput, noGrad,
  samplerFor, sdedit, sdeditStartStep, tidy, view, visualAnagram,
  type Cond, type Denoiser, type Precision, type LoadedDenoiser, type RgbaImage, type StepInfo, type Tensor,
} from '../index.js';
import type { JobResult, JobSpec, ModelInfo, RunnerMessage, SamplingSpec, ServerMessage } from './protocol.js';

class Cancelled extends Error {}
/** A picture the request sent that cannot be used (not decodable, a mask of the wrong size): the client's error. */
class BadInput extends Error {}

const port = parentPort!;
const { modelPath, precision, cancelBuffer } = workerData as { modelPath: string; precision: Precision; cancelBuffer: SharedArrayBuffer };
const cancel = new Int32Array(cancelBuffer);
const post = (m: RunnerMessage) => port.postMessage(m);

/** Pixels per model pixel in results (28 px Fashion-MNIST becomes 112 px) and in streamed frames. */
const RESULT_SCALE = 4, FRAME_SCALE = 2;

let model: LoadedDenoiser;
try {
  model = loadDenoiser(modelPath, { precision });
} catch (e) {
  post({ type: 'failed', error: (e as Error).message.split('\n')[0]! });
  process.exit(0);
}
const m = model;
const s = m.denoiser.schedule;
const info: ModelInfo = {
  classNames: m.classNames, imageShape: m.imageShape, trainingSteps: m.step, precision: m.precision,
  schedule: { name: s.name, tMax: s.tMax, numTimesteps: s.numTimesteps },
};
post({ type: 'ready', info });

const classCond = (id: number | null, n: number): Cond => (id === null ? null : indices(new Array<number>(n).fill(id)));
const guided = (w: number, n: number): Denoiser => (w === 1 ? m.denoiser
  : classifierFreeGuidance(m.denoiser, { scale: w, nullCond: indices(new Array<number>(n).fill(m.nullClass)) }));
const png = (images: Tensor, nrow?: number) => encodePng(imageGrid(images, { scale: RESULT_SCALE, ...(nrow ? { nrow } : {}) }));

/** A picture from the page as a model input (1, C, S, S) in [-1, 1], with its own size (for the mask check). */
function picture(bytes: Uint8Array, source: string): { image: Tensor; width: number; height: number } {
  return asBadInput(() => imageInput(decodeImage(bytes, source), { size: m.imageShape[1], channels: m.imageShape[0] as 1 | 3 }));
}

function asBadInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new BadInput((e as Error).message.split('\n')[0]);
  }
}

/**
 * The onStep of a job: checks for cancellation, then lets frameRecorder pick and draw the frame (its step
 * choice and x_t scaling), and streams each new frame as a PNG. Its frames become the GIF.
 */
function stepper(id: number, o: SamplingSpec, numSteps: number) {
  const recorder = frameRecorder({ numSteps, maxFrames: o.maxFrames, content: o.preview, grid: { scale: FRAME_SCALE } });
  let call = 0;
  return {
    frames: recorder.frames,
    onStep(info: StepInfo): void {
      if (Atomics.load(cancel, 0) === id) throw new Cancelled();
      const before = recorder.frames.length;
      recorder.onStep(info);
      call++;
      if (recorder.frames.length > before) post({ type: 'frame', id, step: call, numSteps, png: encodePng(recorder.frames.at(-1)!) });
    },
  };
}

const gifOf = (frames: readonly RgbaImage[]) => (frames.length > 0 ? encodeGif(frames) : undefined);

function run(id: number, spec: JobSpec): JobResult {
  if (spec.kind === 'forward') {
    const strip = forwardStrip(s, picture(spec.image, 'image').image, { times: spec.times, rng: new Rng(spec.seed) });
    const forward = spec.times.map((t, i) => ({ t, png: png(strip.slice(0, i, i + 1)) }));
    return { images: [{ label: `t = ${spec.times.at(-1)}`, png: forward.at(-1)!.png }], forward, summary: `forward process at ${spec.times.length} times` };
  }
  const sampler = samplerFor(spec.sampler, { eta: spec.eta });
  const numSteps = spec.numSteps;
  const rngFor = (n: number) => PerSampleRng.of(spec.seed, n);
  const what = `${spec.sampler}, ${numSteps} steps, seed ${spec.seed}`;
  switch (spec.kind) {
    case 'generate': {
      const st = stepper(id, spec, numSteps);
      const x = generate(m.denoiser, {
        sampler, imageShape: m.imageShape, count: spec.count, seed: spec.seed, numSteps, classes: spec.classes,
        batchSize: spec.count, onStep: st.onStep,
        ...(spec.classes && spec.guidance !== 1 ? { guidance: { scale: spec.guidance, nullClass: m.nullClass } } : {}),
      });
      const cls = spec.classes ? m.classNames[spec.classes[0]!] : 'unconditional';
      return { images: [{ label: `${spec.count} x ${cls}`, png: png(x) }], gif: gifOf(st.frames), summary: `${cls}: ${what}` };
    }
    case 'sdedit': {
      const image = picture(spec.image, 'image').image;
      const st = stepper(id, spec, numSteps - sdeditStartStep(numSteps, { strength: spec.strength }));
      const w = spec.classId === null ? 1 : spec.guidance;
      const x = sdedit(guided(w, 1), image, {
        sampler, numSteps, strength: spec.strength, rng: rngFor(1), cond: classCond(spec.classId, 1), onStep: st.onStep,
      });
      return { images: [{ label: 'result', png: png(x) }, { label: 'input', png: png(image) }], gif: gifOf(st.frames), summary: `SDEdit strength ${spec.strength}: ${what}` };
    }
    case 'inpaint': {
      const input = picture(spec.image, 'image');
      const mask = asBadInput(() => maskInput(decodeImage(spec.mask, 'mask'), { width: input.width, height: input.height, size: m.imageShape[1] }));
      const st = stepper(id, spec, numSteps);
      const w = spec.classId === null ? 1 : spec.guidance;
      const x = inpaint(guided(w, 1), input.image, {
        sampler, numSteps, mask, rng: rngFor(1), cond: classCond(spec.classId, 1), resampleSteps: spec.resampleSteps, onStep: st.onStep,
      });
      const holed = input.image.mul(mask.neg().add(1)); // the hole as mid-grey
      return { images: [{ label: 'result', png: png(x) }, { label: 'kept region', png: png(holed) }], gif: gifOf(st.frames), summary: `inpainting: ${what}` };
    }
    case 'anagram': {
      const n = spec.count, v = view(spec.view);
      const d = visualAnagram(guided(spec.guidance, n), { condA: classCond(spec.classA, n), condB: classCond(spec.classB, n), view: v });
      const st = stepper(id, spec, numSteps);
      const x = sampler(d, [n, ...m.imageShape], { rng: rngFor(n), numSteps, onStep: st.onStep });
      const [a, b] = [m.classNames[spec.classA], m.classNames[spec.classB]];
      return {
        images: [{ label: `${a} (as is)`, png: png(x) }, { label: `${b} (${spec.view})`, png: png(v.apply(x)) }],
        gif: gifOf(st.frames), summary: `visual anagram ${a} | ${b} under ${spec.view}: ${what}`,
      };
    }
    case 'hybrid': {
      const n = spec.count, blur = { kernelSize: spec.blurKernel, sigma: spec.blurSigma };
      const d = hybridImage(guided(spec.guidance, n), { condLow: classCond(spec.classLow, n), condHigh: classCond(spec.classHigh, n), blur });
      const st = stepper(id, spec, numSteps);
      const x = sampler(d, [n, ...m.imageShape], { rng: rngFor(n), numSteps, onStep: st.onStep });
      const [lo, hi] = [m.classNames[spec.classLow], m.classNames[spec.classHigh]];
      return {
        images: [{ label: `${hi} (up close)`, png: png(x) }, { label: `${lo} (blurred, as from afar)`, png: png(gaussianBlur(x, blur)) }],
        gif: gifOf(st.frames), summary: `hybrid image ${hi} | ${lo}: ${what}`,
      };
    }
  }
}

port.on('message', (msg: ServerMessage) => {
  if (msg.type !== 'job') return;
  try {
    const result = noGrad(() => tidy(() => run(msg.id, msg.spec)));
    post({ type: 'done', id: msg.id, result });
  } catch (e) {
    if (e instanceof Cancelled) post({ type: 'cancelled', id: msg.id });
    else post({ type: 'error', id: msg.id, error: (e as Error).message.split('\n')[0]!, statusCode: e instanceof BadInput ? 400 : 500 });
  }
});
