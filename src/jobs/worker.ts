// JobWorker: jobs on a model in a worker thread, so that sampling never blocks the caller's event loop. The
// thread (worker-thread.ts) loads the model once and runs one job at a time; run() resolves with PNG pictures
// (and a GIF of the denoising), streams preview frames as they come, and an AbortSignal stops a job between two
// sampler steps.
import { Worker } from 'node:worker_threads';
import type { Precision } from '../engine/index.js';
import type { JobRequest, JobResult, ModelInfo, WorkerMessage } from './worker-protocol.js';

/** A job the worker refused or failed: its one-line reason; statusCode 400 for a bad input, else 500. */
export class JobError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export interface RunOptions {
  /** Each streamed preview frame (a PNG), with the step it shows. */
  onFrame?: (frame: { png: Uint8Array; step: number; numSteps: number }) => void;
  /** Stops the job between two sampler steps; run() then rejects with an AbortError. */
  signal?: AbortSignal;
}

interface Pending {
  id: number;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
  onFrame?: RunOptions['onFrame'];
}

export class JobWorker {
  /** The model's facts once it is loaded; rejects when it cannot be. */
  readonly ready: Promise<ModelInfo>;
  readonly #worker: Worker;
  readonly #cancel = new Int32Array(new SharedArrayBuffer(4));
  #queue: Promise<unknown> = Promise.resolve();
  #current: Pending | null = null;
  #nextId = 1;
  #failure: Error | null = null;

  /** Starts a worker thread that loads the model file (default precision fp32). */
  constructor(modelPath: string, o: { precision?: Precision } = {}) {
    this.#worker = new Worker(new URL('./worker-thread.js', import.meta.url), {
      workerData: { modelPath, precision: o.precision ?? 'fp32', cancelBuffer: this.#cancel.buffer },
    });
    let ready!: (info: ModelInfo) => void, failed!: (e: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      [ready, failed] = [resolve, reject];
    });
    this.ready.catch(() => {}); // a caller that never awaits it still sees the failure in run()
    this.#worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') ready(m.info);
      else if (m.type === 'failed') this.#fail(new Error(m.error), failed);
      else if (this.#current && m.id === this.#current.id) {
        const job = this.#current;
        if (m.type === 'frame') job.onFrame?.({ png: m.png, step: m.step, numSteps: m.numSteps });
        else {
          this.#current = null;
          if (m.type === 'done') job.resolve(m.result);
          else if (m.type === 'cancelled')
            job.reject(Object.assign(new Error('the job was stopped'), { name: 'AbortError' }));
          else job.reject(new JobError(m.error, m.statusCode));
        }
      }
    });
    this.#worker.on('error', (e) => this.#fail(new Error(`job worker: ${e.message.split('\n')[0]}`), failed));
    this.#worker.on('exit', (code) => this.#fail(new Error(`job worker exited (code ${code})`), failed));
  }

  #fail(e: Error, failed: (e: Error) => void): void {
    this.#failure ??= e;
    failed(e);
    this.#current?.reject(e);
    this.#current = null;
  }

  /** Runs a job after the ones before it; resolves with its pictures, rejects with JobError, AbortError or a failure. */
  run(request: JobRequest, o: RunOptions = {}): Promise<JobResult> {
    const turn = this.#queue.then(async () => {
      await this.ready;
      if (this.#failure) throw this.#failure;
      if (o.signal?.aborted) throw Object.assign(new Error('the job was stopped'), { name: 'AbortError' });
      return new Promise<JobResult>((resolve, reject) => {
        const id = this.#nextId++;
        this.#current = { id, resolve, reject, ...(o.onFrame ? { onFrame: o.onFrame } : {}) };
        Atomics.store(this.#cancel, 0, 0);
        o.signal?.addEventListener(
          'abort',
          () => {
            if (this.#current?.id === id) Atomics.store(this.#cancel, 0, id);
          },
          { once: true },
        );
        this.#worker.postMessage({ type: 'job', id, spec: request });
      });
    });
    this.#queue = turn.catch(() => {});
    return turn;
  }

  /** Ends the thread (a running job is dropped). */
  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
