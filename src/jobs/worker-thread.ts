// A job worker thread (the addon keeps its state per Node environment, so libtorch runs here as on the main
// thread): the model is loaded once, each job is one runJob call whose onFrame streams preview frames and whose
// onStep stops the sampler between steps when the job is cancelled. Its owners: JobWorker (worker.ts) for library
// users, and through it the playground's runner process.
// Cancellation: the owner sets cancel[0] to the job's id (a SharedArrayBuffer: the thread cannot receive messages
// while a job runs); onStep throws, and the scopes release every tensor on the way out.
import { parentPort, workerData } from 'node:worker_threads';
import { noGrad, tidy, type Precision, type Tensor } from '../engine/index.js';
import { encodeGif, encodePng, imageGrid } from '../io/index.js';
import { loadDenoiser, type LoadedDenoiser } from '../model/index.js';
import { modelInfo } from './condition.js';
import { JobInputError } from './pictures.js';
import { runJob } from './run.js';
import type { JobRequest, JobResult, ModelInfo, WorkerMessage, WorkerRequest } from './worker-protocol.js';

class Cancelled extends Error {}

const port = parentPort!;
const { modelPath, precision, cancelBuffer } = workerData as {
  modelPath: string;
  precision: Precision;
  cancelBuffer: SharedArrayBuffer;
};
const cancel = new Int32Array(cancelBuffer);
const post = (m: WorkerMessage) => port.postMessage(m);

/** Pixels per model pixel in results (28 px Fashion-MNIST becomes 112 px) and in streamed frames. */
const RESULT_SCALE = 4,
  FRAME_SCALE = 2;

let model: LoadedDenoiser;
try {
  model = loadDenoiser(modelPath, { precision });
} catch (e) {
  post({ type: 'failed', error: (e as Error).message.split('\n')[0]! });
  process.exit(0);
}
const m = model;
const info: ModelInfo = modelInfo(m);
post({ type: 'ready', info });

const png = (images: Tensor) => encodePng(imageGrid(images, { scale: RESULT_SCALE }));

function run(id: number, request: JobRequest): JobResult {
  const { preview, ...spec } = request;
  const out = runJob(m, spec, {
    ...(spec.kind !== 'forward'
      ? { frames: { max: preview.maxFrames, content: preview.content, scale: FRAME_SCALE } }
      : {}),
    onStep() {
      if (Atomics.load(cancel, 0) === id) throw new Cancelled();
    },
    onFrame(frame, done, total) {
      post({ type: 'frame', id, step: done, numSteps: total, png: encodePng(frame) });
    },
  });
  const ordered = [out.panels[out.result]!, ...out.panels.filter((_, i) => i !== out.result)];
  const images = ordered.map((p) => ({ label: p.label, png: png(p.images) }));
  return {
    images: spec.kind === 'forward' ? images.slice(0, 1) : images,
    ...(out.frames.length > 0 ? { gif: encodeGif(out.frames) } : {}),
    ...(out.pictures
      ? {
          pictures: out.pictures.map((p) => ({
            name: p.name,
            label: p.label,
            png: encodePng(p.image, { channels: p.channels }),
          })),
        }
      : {}),
    ...(spec.kind === 'forward' ? { forward: spec.times.map((t, i) => ({ t, png: png(out.panels[i]!.images) })) } : {}),
    summary: out.summary,
  };
}

port.on('message', (msg: WorkerRequest) => {
  if (msg.type !== 'job') return;
  try {
    const result = noGrad(() => tidy(() => run(msg.id, msg.spec)));
    post({ type: 'done', id: msg.id, result });
  } catch (e) {
    if (e instanceof Cancelled) post({ type: 'cancelled', id: msg.id });
    else
      post({
        type: 'error',
        id: msg.id,
        error: (e as Error).message.split('\n')[0]!,
        statusCode: e instanceof JobInputError ? 400 : 500,
      });
  }
});
