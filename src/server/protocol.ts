// What the playground's HTTP API accepts, checked into typed job specs before anything reaches the model, and the
// messages between the server and its job runner. No tensors here: the server process validates and queues; the
// runner (runner-worker.ts) does the work through the library.
import { anagramViews, jobKinds, type JobKind } from '../jobs/kinds.js';
import {
  choice,
  describeField,
  int,
  readChoice,
  readNumber,
  rangeText,
  type Caps,
  type Door,
  type Fields,
  type NumberRefusal,
} from '../jobs/fields.js';
import { jobFiles } from '../jobs/kinds.js';
import { isPng, readImageHeader } from '../io/image-header.js';
import { samplerNames } from '../samplers/names.js';

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

/**
 * The public server's caps over the library's bounds (jobs/*.ts fields), by field name, declared here once and
 * shown in /api/info: a queue stays responsive only if every job is small.
 */
export function serverCaps(limits: Limits): Caps {
  return {
    n: { max: limits.maxImages },
    steps: { max: limits.maxSteps },
    times: { maxLength: limits.maxForwardTimes },
    seed: { max: 2 ** 31 - 1 },
    guidance: { max: 20 },
    resample: { max: 10 },
    kernel: { max: 65 },
    sigma: { min: 0.1, max: 16 },
    sweep: { maxLength: 16 },
  };
}

/** A number the API refused, in its wording: the bounds it was checked against. */
function refuseNumber(r: NumberRefusal): never {
  const name = `'${r.key}'`;
  if (r.broke === 'odd') throw new RequestError(`${name} must be odd, got ${r.got}`);
  const kind = r.integer ? 'an integer' : 'a number';
  const range = rangeText(r);
  throw new RequestError(`${name} must be ${kind}${range}, got ${JSON.stringify(r.got)}`);
}

/** A JSON body as a door onto the job files: JSON values, 'camelCase' names, PNG data URLs, the server's caps. */
function apiDoor(b: Body, fields: Fields, limits: Limits): Door {
  return {
    given: (key) => {
      const v = field(b, key);
      // The page sends an empty class menu as '' (none chosen).
      return v === '' && fields[key]?.type === 'class' ? undefined : v;
    },
    offers: (key) => key in fields && !fields[key]!.cliOnly,
    name: (key) => `'${key}'`,
    caps: serverCaps(limits),
    number: (raw) => (typeof raw === 'number' ? raw : NaN),
    numbers: (raw) => (Array.isArray(raw) && raw.every((n) => typeof n === 'number') ? (raw as number[]) : null),
    listOf: (what) => `an array of ${what}`,
    text: (raw) => (typeof raw === 'string' ? raw : null),
    picture: (key, raw) => ({ source: `'${key}'`, bytes: pngField(key, raw, limits) }),
    refuse(message) {
      throw new RequestError(message);
    },
    refuseNumber,
  };
}

const PNG_DATA_URL = 'data:image/png;base64,';

/** A PNG given as a data URL (what canvas.toDataURL() makes), decoded to bytes and checked against the limits. */
function pngField(name: string, v: unknown, limits: Limits): Uint8Array {
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

/** The page's live preview: the API's own fields, beside every kind's job fields. */
const previewFields = {
  frames: int(20, { min: 1, max: 100 }, 'frames streamed while the job runs'),
  preview: choice(PREVIEW_CONTENTS, 'x0', 'what a streamed frame shows'),
};

/** Every kind's API fields as /api/info shows them: bounds for this model under the caps, defaults, help. */
export function describeJobs(info: ModelInfo, limits: Limits): Record<string, Record<string, unknown>> {
  const caps = serverCaps(limits);
  return Object.fromEntries(
    jobKinds.map((kind) => {
      const f: Fields = { ...jobFiles[kind].fields, ...previewFields };
      return [kind, Object.fromEntries(apiFields(kind).map((k) => [k, describeField(k, f[k]!, info, caps)]))];
    }),
  );
}

/** The fields the API takes for a kind: the job file's (those the API offers) and the preview's. */
export function apiFields(kind: JobKind): string[] {
  const f = jobFiles[kind].fields;
  return [...Object.keys(f).filter((k) => !f[k]!.cliOnly), ...Object.keys(previewFields)];
}

/** Checks a request body for a job kind; throws RequestError naming the first bad field. */
export function parseJob(kind: JobKind, body: unknown, info: ModelInfo, limits: Limits = DEFAULT_LIMITS): JobRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new RequestError('the request body must be a JSON object');
  const b = body as Body;
  const known = apiFields(kind);
  const unknown = Object.keys(b).find((k) => !known.includes(k));
  if (unknown !== undefined)
    throw new RequestError(`unknown field '${unknown.slice(0, 64)}' for ${kind} (fields: ${known.join(', ')})`);
  const fields = { ...jobFiles[kind].fields, ...previewFields };
  const door = apiDoor(b, fields, limits);
  const spec = jobFiles[kind].parse(door, info);
  const preview: PreviewSpec = {
    maxFrames: readNumber(door, 'frames', previewFields.frames, info)!,
    content: readChoice(door, 'preview', previewFields.preview)!,
  };
  return { ...spec, preview };
}
