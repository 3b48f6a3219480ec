// The playground API from the page: model info, and jobs whose progress arrives as server-sent events over the
// POST's response (EventSource speaks GET only, so the stream is read from fetch).

export interface Info {
  model: {
    classNames: string[];
    /** How the model reads prompts: as text, as names of stored vectors, or not at all. */
    reads: 'text' | 'stored' | 'none';
    /** Prompts to offer a model that reads text: a few of its training captions (may be none). */
    examplePrompts: string[];
    imageShape: [number, number, number];
    schedule: { name: string; tMax: number; numTimesteps: number | null };
    trainingSteps: number;
  };
  samplers: string[];
  views: string[];
  /** The library's job defaults (jobDefaults). */
  defaults: { generate: { sampler: string } };
  limits: { maxImages: number; maxSteps: number };
  /** Every kind's fields as the server takes them: bounds for this model under its caps, defaults, help. */
  fields: Record<string, Record<string, FieldInfo>>;
}

/** One field of a job as /api/info describes it (jobs/fields.ts describeField). */
export interface FieldInfo {
  type: string;
  default?: number | string;
  min?: number;
  max?: number;
  help: string;
}

export interface ResultImage {
  label: string;
  image: string;
  url: string;
}
export interface Result {
  id: string;
  summary: string;
  images: ResultImage[];
  gif?: string;
  /** The first of the pictures below (an edit's one result), to download. */
  picture?: string;
  /** The result as the user's pictures, to download: an edit's at the input's own size, others' at the model's. */
  pictures?: { label: string; url: string }[];
  forward?: { t: number; image: string }[];
}

export interface Frame {
  step: number;
  numSteps: number;
  image: string;
}

export interface JobHooks {
  onQueued?: (position: number) => void;
  onStarted?: () => void;
  onFrame?: (f: Frame) => void;
  signal?: AbortSignal;
}

export async function getInfo(): Promise<Info> {
  const res = await fetch('/api/info');
  if (!res.ok) throw new Error(`GET /api/info: ${res.status}`);
  return (await res.json()) as Info;
}

/** Runs a job; resolves with its result, rejects with the server's one-line error (or an AbortError). */
export async function runJob(kind: string, body: object, hooks: JobHooks = {}): Promise<Result> {
  const res = await fetch(`/api/${kind}`, {
    method: 'POST',
    body: JSON.stringify(body),
    signal: hooks.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
  });
  if (!res.ok) {
    const j = (await res.json().catch(() => ({ error: res.statusText }))) as { error: string };
    const retry = res.headers.get('retry-after');
    throw new Error(`${j.error}${retry ? ` (retry after ${retry} s)` : ''}`);
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null') as Record<string, unknown>;
      if (name === 'queued') hooks.onQueued?.(data.position as number);
      else if (name === 'started') hooks.onStarted?.();
      else if (name === 'frame') hooks.onFrame?.(data as unknown as Frame);
      else if (name === 'done') return data as unknown as Result;
      else if (name === 'error') throw new Error(String(data.error));
    }
  }
  throw new Error('the stream ended before the result');
}
