// What the playground's HTTP API accepts, checked into typed job specs before anything reaches the model, and the
// messages between the server and its job runner. No tensors here: the server process validates and queues; the
// runner (runner-worker.ts) does the work through the library.
import {
  anagramViews,
  jobDefaults,
  jobKinds,
  type ConditionSpec,
  type JobKind,
  type SamplingSpec,
} from '../jobs/specs.js';
import { promptProblem } from '../jobs/prompts.js';
import { isPng, readImageHeader } from '../io/image-header.js';
import { classIdOf } from '../model/classes.js';
import { defaultStepsFor, samplerNames } from '../samplers/names.js';

/** A request the API refuses, with the HTTP status it gets (400 unless said) and a one-line reason. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

export const SAMPLER_NAMES = samplerNames;
export const VIEW_NAMES = anagramViews;
export const JOB_KINDS = jobKinds;
export type { JobKind };
export { PREVIEW_CONTENTS } from '../jobs/worker-protocol.js';
import { PREVIEW_CONTENTS } from '../jobs/worker-protocol.js';

/** Request bounds; every one is enforced before a job is queued. */
export interface Limits {
  /** Request body in bytes (JSON with base64 images). Default 2 MiB. */
  bodyBytes: number;
  /** One decoded image (PNG) in bytes. Default 1 MiB. */
  imageBytes: number;
  /** Width and height of an uploaded picture in pixels. Default 1024. */
  imageSidePixels: number;
  /** Images per request. Default 16. */
  maxImages: number;
  /** Sampler steps per request. Default 200. */
  maxSteps: number;
  /** Noise times per forward-process request. Default 32. */
  maxForwardTimes: number;
}

export const DEFAULT_LIMITS: Limits = {
  bodyBytes: 2 << 20,
  imageBytes: 1 << 20,
  imageSidePixels: 1024,
  maxImages: 16,
  maxSteps: 200,
  maxForwardTimes: 32,
};

// The job messages between the server and its runner are the library's worker protocol (jobs/worker-protocol.ts).
export type {
  JobRequest,
  JobResult,
  ModelInfo,
  PreviewSpec,
  ResultImage,
  WorkerMessage as RunnerMessage,
  WorkerRequest as ServerMessage,
} from '../jobs/worker-protocol.js';
import type { JobRequest, ModelInfo, PreviewSpec } from '../jobs/worker-protocol.js';

// ----- validation of request bodies ----------------------------------------------------------------------
type Body = Record<string, unknown>;

function field(b: Body, name: string): unknown {
  return Object.prototype.hasOwnProperty.call(b, name) ? b[name] : undefined;
}

function number(
  b: Body,
  name: string,
  fallback: number | undefined,
  range: { min: number; max: number; integer?: boolean },
): number {
  const v = field(b, name);
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new RequestError(`'${name}' is required`);
    return fallback;
  }
  const kind = range.integer ? 'an integer' : 'a number';
  if (typeof v !== 'number' || !Number.isFinite(v) || (range.integer && !Number.isInteger(v))) {
    throw new RequestError(`'${name}' must be ${kind} in [${range.min}, ${range.max}], got ${JSON.stringify(v)}`);
  }
  if (v < range.min || v > range.max)
    throw new RequestError(`'${name}' must be ${kind} in [${range.min}, ${range.max}], got ${v}`);
  return v;
}

function choice<T extends string>(b: Body, name: string, choices: readonly T[], fallback: T): T {
  const v = field(b, name) ?? fallback;
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    throw new RequestError(`'${name}' must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

/** A class by name (case-insensitive) or id (classIdOf); null when absent and optional. */
function classField(b: Body, name: string, info: ModelInfo, required: boolean): number | null {
  const v = field(b, name);
  if (v === undefined || v === null || v === '') {
    if (required) throw new RequestError(`'${name}' is required (a class name or id)`);
    return null;
  }
  if (typeof v !== 'string' && typeof v !== 'number')
    throw new RequestError(`'${name}' must be a class name or id, got ${JSON.stringify(v)}`);
  try {
    return classIdOf(String(v), info.classNames);
  } catch (e) {
    throw new RequestError(`'${name}': ${(e as Error).message}`);
  }
}

/** A prompt (text or a stored vector's name, as the model reads them), checked as every door checks it. */
function promptField(b: Body, name: string, info: ModelInfo): string | undefined {
  const v = field(b, name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new RequestError(`'${name}' must be a string, got ${JSON.stringify(v)}`);
  if (info.reads === 'none') throw new RequestError(`'${name}': the model reads no prompts (${info.conditioning})`);
  const problem = promptProblem(info.reads, v);
  if (problem) throw new RequestError(`'${name}' ${problem}`);
  return v;
}

/**
 * A job's condition from a class field and a prompt field (either, both, or neither unless required), with the
 * negative prompt where the kind has one.
 */
function condition(
  b: Body,
  info: ModelInfo,
  names: { class: string; prompt: string; negative?: boolean },
  required: boolean,
): ConditionSpec {
  const classId = classField(b, names.class, info, false);
  const prompt = promptField(b, names.prompt, info);
  if (required && classId === null && prompt === undefined)
    throw new RequestError(`'${names.class}' or '${names.prompt}' is required (a class name or id, or a prompt)`);
  const negativePrompt = names.negative ? promptField(b, 'negativePrompt', info) : undefined;
  if (negativePrompt !== undefined && info.reads !== 'text')
    throw new RequestError(`'negativePrompt': the model reads no text (${info.conditioning})`);
  return {
    ...(classId !== null ? { classes: classId } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(negativePrompt !== undefined ? { negativePrompt } : {}),
  };
}

const PNG_DATA_URL = 'data:image/png;base64,';

/** A PNG given as a data URL (what canvas.toDataURL() makes), decoded to bytes and checked against the limits. */
function pngField(b: Body, name: string, limits: Limits): Uint8Array {
  const v = field(b, name);
  if (typeof v !== 'string') throw new RequestError(`'${name}' is required: a PNG as a data URL (${PNG_DATA_URL}...)`);
  if (!v.startsWith(PNG_DATA_URL))
    throw new RequestError(`'${name}' must be a PNG data URL starting with ${PNG_DATA_URL}`);
  const base64 = v.slice(PNG_DATA_URL.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) throw new RequestError(`'${name}' is not valid base64`);
  if (Math.floor((base64.length * 3) / 4) > limits.imageBytes) {
    throw new RequestError(`'${name}' is larger than ${limits.imageBytes} bytes`, 413);
  }
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  if (!isPng(bytes)) throw new RequestError(`'${name}' is not a PNG`);
  // The header (every chunk's bounds and CRC, the one IHDR) is read before any decoding: no decompression bombs.
  const side = limits.imageSidePixels;
  const { width: w, height: h } = (() => {
    try {
      return readImageHeader(bytes, `'${name}'`, Infinity);
    } catch (e) {
      throw new RequestError((e as Error).message);
    }
  })();
  if (w > side || h > side)
    throw new RequestError(`'${name}' is ${w}x${h}; pictures must be at most ${side}x${side}`, 413);
  return bytes;
}

/** The sampling settings of a job kind; defaults are the job's own (jobDefaults), steps the sampler's own. */
function sampling(b: Body, kind: Exclude<JobKind, 'forward'>, info: ModelInfo, limits: Limits): SamplingSpec {
  const d = jobDefaults[kind];
  const T = info.schedule.numTimesteps;
  const maxSteps = T === null ? limits.maxSteps : Math.min(limits.maxSteps, T);
  const sampler = choice(b, 'sampler', SAMPLER_NAMES, d.sampler);
  const steps = field(b, 'steps');
  if ((steps === undefined || steps === null) && defaultStepsFor(sampler, T) > maxSteps) {
    throw new RequestError(
      `'steps' is required for ${sampler} here: its own default, ${defaultStepsFor(sampler, T)}, is over this server's ${maxSteps}`,
    );
  }
  if (field(b, 'eta') !== undefined && sampler !== 'ddim')
    throw new RequestError(`'eta' applies to the ddim sampler only, not ${sampler}`);
  return {
    sampler,
    ...(steps !== undefined && steps !== null
      ? { numSteps: number(b, 'steps', undefined, { min: 1, max: maxSteps, integer: true }) }
      : {}),
    seed: number(b, 'seed', jobDefaults.seed, { min: 0, max: 2 ** 31 - 1, integer: true }),
    guidance: number(b, 'guidance', d.guidance, { min: 0, max: 20 }),
    eta: number(b, 'eta', d.eta, { min: 0, max: 1 }),
  };
}

function preview(b: Body): PreviewSpec {
  return {
    maxFrames: number(b, 'frames', 20, { min: 1, max: 100, integer: true }),
    content: choice(b, 'preview', PREVIEW_CONTENTS, 'x0'),
  };
}

const SAMPLING_FIELDS = ['sampler', 'steps', 'seed', 'guidance', 'eta', 'frames', 'preview'];
/** The fields each job kind reads; any other is refused (a misspelt 'stpes' must not run with the default). */
const jobFields: Record<JobKind, readonly string[]> = {
  generate: ['n', 'class', 'prompt', 'negativePrompt', ...SAMPLING_FIELDS],
  sdedit: ['image', 'strength', 'class', 'prompt', 'negativePrompt', ...SAMPLING_FIELDS],
  inpaint: ['image', 'mask', 'class', 'prompt', 'negativePrompt', 'resample', ...SAMPLING_FIELDS],
  anagram: ['n', 'classA', 'classB', 'promptA', 'promptB', 'negativePrompt', 'view', ...SAMPLING_FIELDS],
  hybrid: [
    'n',
    'classLow',
    'classHigh',
    'promptLow',
    'promptHigh',
    'negativePrompt',
    'sigma',
    'kernel',
    ...SAMPLING_FIELDS,
  ],
  forward: ['image', 'times', 'seed', 'frames', 'preview'],
};

/** Checks a request body for a job kind; throws RequestError naming the first bad field. */
export function parseJob(kind: JobKind, body: unknown, info: ModelInfo, limits: Limits = DEFAULT_LIMITS): JobRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new RequestError('the request body must be a JSON object');
  const b = body as Body;
  const unknown = Object.keys(b).find((k) => !jobFields[kind].includes(k));
  if (unknown !== undefined)
    throw new RequestError(
      `unknown field '${unknown.slice(0, 64)}' for ${kind} (fields: ${jobFields[kind].join(', ')})`,
    );
  const count = (k: 'generate' | 'anagram' | 'hybrid') =>
    number(b, 'n', Math.min(jobDefaults[k].count, limits.maxImages), { min: 1, max: limits.maxImages, integer: true });
  const picture = (name: string) => ({ source: `'${name}'`, bytes: pngField(b, name, limits) });
  const optionalCondition = () => {
    const c = condition(b, info, { class: 'class', prompt: 'prompt', negative: true }, false);
    if (
      c.classes === undefined &&
      c.prompt === undefined &&
      field(b, 'guidance') !== undefined &&
      field(b, 'guidance') !== 1
    )
      throw new RequestError(`'guidance' needs a 'class' or a 'prompt'`);
    return c;
  };
  const side = (cls: string, prompt: string, negative: boolean) => {
    const c = condition(b, info, { class: cls, prompt, negative }, true);
    if (c.classes !== undefined && c.prompt !== undefined)
      throw new RequestError(`give '${cls}' or '${prompt}', not both`);
    return c;
  };
  switch (kind) {
    case 'generate': {
      return {
        kind,
        count: count(kind),
        condition: optionalCondition(),
        ...sampling(b, kind, info, limits),
        preview: preview(b),
      };
    }
    case 'sdedit':
      return {
        kind,
        image: picture('image'),
        start: { strength: number(b, 'strength', jobDefaults.sdedit.strength, { min: 0, max: 1 }) },
        condition: optionalCondition(),
        ...sampling(b, kind, info, limits),
        preview: preview(b),
      };
    case 'inpaint':
      return {
        kind,
        image: picture('image'),
        mask: picture('mask'),
        condition: optionalCondition(),
        resampleSteps: number(b, 'resample', jobDefaults.inpaint.resampleSteps, { min: 1, max: 10, integer: true }),
        ...sampling(b, kind, info, limits),
        preview: preview(b),
      };
    case 'anagram':
      return {
        kind,
        count: count(kind),
        a: side('classA', 'promptA', true),
        b: side('classB', 'promptB', false),
        view: choice(b, 'view', VIEW_NAMES, jobDefaults.anagram.view),
        ...sampling(b, kind, info, limits),
        preview: preview(b),
      };
    case 'hybrid': {
      const blurKernel = number(b, 'kernel', jobDefaults.hybrid.blurKernel, { min: 1, max: 65, integer: true });
      if (blurKernel % 2 === 0) throw new RequestError(`'kernel' must be odd, got ${blurKernel}`);
      return {
        kind,
        count: count(kind),
        low: side('classLow', 'promptLow', true),
        high: side('classHigh', 'promptHigh', false),
        blurSigma: number(b, 'sigma', jobDefaults.hybrid.blurSigma, { min: 0.1, max: 16 }),
        blurKernel,
        ...sampling(b, kind, info, limits),
        preview: preview(b),
      };
    }
    case 'forward': {
      const tMax = info.schedule.tMax;
      const v = field(b, 'times');
      const k = jobDefaults.forward.numTimes;
      const times = v === undefined ? Array.from({ length: k }, (_, i) => (i * tMax) / (k - 1)) : v;
      if (!Array.isArray(times) || times.length < 1 || times.length > limits.maxForwardTimes) {
        throw new RequestError(`'times' must be an array of 1 to ${limits.maxForwardTimes} numbers in [0, ${tMax}]`);
      }
      const bad = times.find((t) => typeof t !== 'number' || !(t >= 0 && t <= tMax));
      if (bad !== undefined) throw new RequestError(`'times': ${JSON.stringify(bad)} is not a number in [0, ${tMax}]`);
      const discrete = info.schedule.numTimesteps !== null;
      return {
        kind,
        image: picture('image'),
        seed: number(b, 'seed', jobDefaults.seed, { min: 0, max: 2 ** 31 - 1, integer: true }),
        times: (times as number[]).map((t) => (discrete ? Math.round(t) : t)),
        preview: preview(b),
      };
    }
  }
}
