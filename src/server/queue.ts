// The job queue: one job at a time on the runner process (the CPU is the bottleneck; two jobs at once would
// only slow both), a bounded waiting line, cancellation of waiting and running jobs, and a time limit per job.
// It owns the runner process (runner-process.ts) and starts a new one if it dies.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  RequestError,
  type JobResult,
  type JobRequest,
  type ModelInfo,
  type RunnerMessage,
  type ServerMessage,
} from './protocol.js';
import { defaultStepsFor } from '../samplers/names.js';
import type { Precision } from '../engine/index.js';

/** A job that was cancelled (its client went away); nobody is left to tell. */
export class JobCancelled extends Error {}

/** The line is full: 503 with a Retry-After estimate in seconds. */
export class QueueFull extends RequestError {
  constructor(readonly retryAfterSeconds: number) {
    super(`the server is busy (queue full); retry in ${retryAfterSeconds} s`, 503);
  }
}

export interface Frame {
  step: number;
  numSteps: number;
  png: Uint8Array;
}

export interface JobHandle {
  id: number;
  /** Jobs ahead of this one when it was queued (0: it runs next, or now). */
  position: number;
  /** Resolves with the result; rejects with JobCancelled, a RequestError (bad input, timeout) or an Error. */
  result: Promise<JobResult>;
  /** Stops the job: a waiting one leaves the line, a running one stops at its next sampler step. */
  cancel(): void;
}

interface Job {
  id: number;
  spec: JobRequest;
  /** Its work in image-steps (workOf). */
  work: number;
  onFrame: (f: Frame) => void;
  onStart: () => void;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
  timer?: NodeJS.Timeout;
}

export interface QueueOptions {
  /** Model file the runner loads. */
  modelPath: string;
  /** Precision the runner computes in. Default 'fp32'. */
  precision?: Precision;
  /** Jobs that may wait behind the running one. Default 16. */
  maxWaiting?: number;
  /** A job running longer than this is stopped. Default 300 s. */
  jobTimeoutMs?: number;
}

export interface QueueStats {
  running: number;
  waiting: number;
  completed: number;
  cancelled: number;
  failed: number;
}

/** Forks the runner and waits until its model is loaded; a model that does not load is a one-line error. */
function startRunner(modelPath: string, precision: Precision): Promise<{ child: ChildProcess; info: ModelInfo }> {
  const child = fork(fileURLToPath(new URL('./runner-process.js', import.meta.url)), [modelPath, precision], {
    serialization: 'advanced',
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const onMessage = (m: RunnerMessage) => {
      if (m.type === 'ready') {
        cleanup();
        resolve({ child, info: m.info });
      }
      if (m.type === 'failed') {
        cleanup();
        child.kill();
        reject(new Error(m.error));
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the job runner exited (code ${code}) before loading the model`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** What a job's time grows with: images x sampler steps (x RePaint's resampling); a forward strip, its times. */
function workOf(spec: JobRequest, numTimesteps: number | null): number {
  if (spec.kind === 'forward') return spec.times.length;
  const steps = spec.numSteps ?? defaultStepsFor(spec.sampler, numTimesteps);
  const images = 'count' in spec ? spec.count : 1;
  return images * steps * (spec.kind === 'inpaint' ? spec.resampleSteps : 1);
}

/**
 * Seconds a job takes as a + b * work, fitted by least squares to the last finished jobs (a: each job's own cost,
 * encoding its pictures; b: seconds per image-step). Until two sizes of job have finished, a guess of 1 s per job
 * and 10 ms per image-step, or the one measured ratio.
 */
class JobTimes {
  private readonly done: { work: number; seconds: number }[] = [];

  record(work: number, seconds: number): void {
    this.done.push({ work, seconds });
    if (this.done.length > 32) this.done.shift();
  }

  estimate(work: number): number {
    const n = this.done.length;
    if (n === 0) return 1 + 0.01 * work;
    const mw = this.done.reduce((s, d) => s + d.work, 0) / n,
      ms = this.done.reduce((s, d) => s + d.seconds, 0) / n;
    const sww = this.done.reduce((s, d) => s + (d.work - mw) ** 2, 0);
    if (sww === 0) return (ms / mw) * work;
    const b = Math.max(0, this.done.reduce((s, d) => s + (d.work - mw) * (d.seconds - ms), 0) / sww);
    return Math.max(0, ms - b * mw) + b * work;
  }
}

export class JobQueue {
  private child!: ChildProcess;
  private waiting: Job[] = [];
  private current: Job | null = null;
  private nextId = 1;
  private closed = false;
  private restarting: Promise<void> | null = null;
  /** How long jobs take (for Retry-After). */
  private readonly times = new JobTimes();
  private startedAt = 0;
  readonly counts = { completed: 0, cancelled: 0, failed: 0 };

  private constructor(
    private readonly o: Required<QueueOptions>,
    readonly info: ModelInfo,
  ) {}

  static async start(o: QueueOptions): Promise<JobQueue> {
    const options: Required<QueueOptions> = {
      maxWaiting: 16,
      jobTimeoutMs: 300_000,
      ...o,
      precision: o.precision ?? 'fp32',
    };
    const { child, info } = await startRunner(options.modelPath, options.precision);
    const q = new JobQueue(options, info);
    q.attach(child);
    return q;
  }

  stats(): QueueStats {
    return { running: this.current ? 1 : 0, waiting: this.waiting.length, ...this.counts };
  }

  /** Queues a job; throws QueueFull when the line is full. */
  submit(spec: JobRequest, hooks: { onFrame?: (f: Frame) => void; onStart?: () => void } = {}): JobHandle {
    if (this.closed) throw new RequestError('the server is shutting down', 503);
    if (this.waiting.length >= this.o.maxWaiting) throw new QueueFull(this.secondsUntilFree());
    const id = this.nextId++;
    let job!: Job;
    const result = new Promise<JobResult>((resolve, reject) => {
      job = {
        id,
        spec,
        work: workOf(spec, this.info.schedule.numTimesteps),
        onFrame: hooks.onFrame ?? (() => {}),
        onStart: hooks.onStart ?? (() => {}),
        resolve,
        reject,
      };
    });
    result.catch(() => {}); // callers that stop listening must not leave an unhandled rejection
    const position = this.waiting.length + (this.current ? 1 : 0);
    this.waiting.push(job);
    setImmediate(() => this.pump()); // after the caller has set up its response (hooks may fire at once)
    return { id, position, result, cancel: () => this.cancel(id) };
  }

  /**
   * Whole seconds until a place in the line frees up: what the running job has left and every waiting job's
   * estimate, at most the jobs' time limits, at least 1.
   */
  secondsUntilFree(): number {
    const running = this.current
      ? Math.max(0, this.times.estimate(this.current.work) - (performance.now() - this.startedAt) / 1000)
      : 0;
    const seconds = this.waiting.reduce((s, j) => s + this.times.estimate(j.work), running);
    const limit = ((this.waiting.length + 1) * this.o.jobTimeoutMs) / 1000;
    return Math.max(1, Math.ceil(Math.min(seconds, limit)));
  }

  private cancel(id: number): void {
    const i = this.waiting.findIndex((j) => j.id === id);
    if (i >= 0) {
      const [job] = this.waiting.splice(i, 1);
      this.counts.cancelled++;
      job!.reject(new JobCancelled());
    } else if (this.current?.id === id) {
      this.send({ type: 'cancel', id });
    }
  }

  private send(m: ServerMessage): void {
    if (this.child.connected) this.child.send(m);
  }

  private pump(): void {
    if (this.current || this.restarting || this.closed) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.current = job;
    this.startedAt = performance.now();
    job.timer = setTimeout(() => this.send({ type: 'cancel', id: job.id }), this.o.jobTimeoutMs);
    job.onStart();
    this.send({ type: 'job', id: job.id, spec: job.spec });
  }

  private finish(id: number, settle: (job: Job) => void, completed = false): void {
    const job = this.current;
    if (!job || job.id !== id) return;
    clearTimeout(job.timer);
    this.current = null;
    if (completed) this.times.record(job.work, (performance.now() - this.startedAt) / 1000);
    settle(job);
    this.pump();
  }

  private attach(child: ChildProcess): void {
    this.child = child;
    child.on('message', (m: RunnerMessage) => {
      const job = this.current;
      switch (m.type) {
        case 'frame':
          if (job?.id === m.id) job.onFrame({ step: m.step, numSteps: m.numSteps, png: m.png });
          break;
        case 'done':
          this.finish(
            m.id,
            (j) => {
              this.counts.completed++;
              j.resolve(m.result);
            },
            true,
          );
          break;
        case 'cancelled': {
          const timedOut = job !== null && performance.now() - this.startedAt >= this.o.jobTimeoutMs;
          this.finish(m.id, (j) => {
            this.counts.cancelled++;
            j.reject(
              timedOut
                ? new RequestError(`the job ran longer than ${this.o.jobTimeoutMs / 1000} s and was stopped`, 503)
                : new JobCancelled(),
            );
          });
          break;
        }
        case 'error':
          this.finish(m.id, (j) => {
            this.counts.failed++;
            j.reject(new RequestError(m.error, m.statusCode));
          });
          break;
      }
    });
    child.on('exit', (code) => {
      if (this.closed) return;
      const job = this.current;
      this.current = null;
      if (job) {
        clearTimeout(job.timer);
        this.counts.failed++;
        job.reject(new Error(`the job runner stopped (code ${code}) during the job`));
      }
      this.restarting = startRunner(this.o.modelPath, this.o.precision).then(
        ({ child: c }) => {
          this.restarting = null;
          this.attach(c);
          this.pump();
        },
        (e: Error) => {
          this.restarting = null;
          for (const j of this.waiting.splice(0)) j.reject(e);
        },
      );
    });
  }

  /** Rejects waiting jobs, stops the runner and waits for it to exit. */
  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.waiting.splice(0)) j.reject(new JobCancelled());
    if (this.current) {
      clearTimeout(this.current.timer);
      this.current.reject(new JobCancelled());
      this.current = null;
    }
    await this.restarting?.catch(() => {});
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill();
    });
  }
}
