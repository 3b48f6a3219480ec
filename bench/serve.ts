// The playground server under load, over real HTTP: latency to the first streamed frame and to a finished
// 20-step image for one client, then throughput and latency with 8 clients at once (the queue runs one job at a
// time, so latency grows with the line while throughput stays that of one job after another).
// Run: npm run bench:serve [-- --model FILE] (default: the tiny test model, trained here in seconds).
import { parseArgs } from 'node:util';
import { startServer } from '../src/server/index.js';
import { tinyModelFile } from '../test/editing-helpers.js';

const STEPS = 20;
const REPEATS = 8; // single-client runs
const CLIENTS = 8;
const PER_CLIENT = 3; // requests each concurrent client makes one after another

const { values } = parseArgs({ options: { model: { type: 'string' } } });
const modelPath = values.model ?? (await tinyModelFile());
const server = await startServer({ modelPath, port: 0, maxWaiting: 16 });

/** One streamed 20-step image: ms to the first frame and to the result (null: refused with 503). */
async function oneImage(seed: number): Promise<{ firstFrameMs: number; doneMs: number } | null> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/api/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ class: 0, n: 1, steps: STEPS, sampler: 'ddim', seed, frames: STEPS }),
  });
  if (res.status === 503) return null;
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  let firstFrameMs = NaN,
    text = '';
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    if (Number.isNaN(firstFrameMs) && text.includes('event: frame')) firstFrameMs = performance.now() - t0;
  }
  if (!text.includes('event: done')) throw new Error(`no result: ${text.slice(-200)}`);
  return { firstFrameMs, doneMs: performance.now() - t0 };
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

await oneImage(999); // warm-up: first-call costs of the runner
const single: { firstFrameMs: number; doneMs: number }[] = [];
for (let i = 0; i < REPEATS; i++) single.push((await oneImage(i))!);

const t0 = performance.now();
let refused = 0;
const loaded: { firstFrameMs: number; doneMs: number }[] = [];
await Promise.all(
  Array.from({ length: CLIENTS }, async (_, c) => {
    for (let k = 0; k < PER_CLIENT; k++) {
      const r = await oneImage(100 + c * PER_CLIENT + k);
      if (r) loaded.push(r);
      else refused++;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
await server.close();

const f = single.map((r) => r.firstFrameMs),
  d = single.map((r) => r.doneMs);
const lf = loaded.map((r) => r.firstFrameMs),
  ld = loaded.map((r) => r.doneMs);
console.log(
  `model: ${modelPath}; ${STEPS}-step DDIM, 1 image per request, a frame streamed every step; DIFFLAB_THREADS=${process.env.DIFFLAB_THREADS ?? '(all cores)'}\n`,
);
console.log(
  '| load | requests | first frame p50 | first frame p95 | finished image p50 | finished image p95 | images/s | refused (503) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
console.log(
  `| 1 client, one after another | ${single.length} | ${ms(quantile(f, 0.5))} | ${ms(quantile(f, 0.95))} | ${ms(quantile(d, 0.5))} | ${ms(quantile(d, 0.95))} | ${(1000 / (d.reduce((a, b) => a + b, 0) / d.length)).toFixed(1)} | 0 |`,
);
console.log(
  `| ${CLIENTS} clients at once | ${loaded.length} | ${ms(quantile(lf, 0.5))} | ${ms(quantile(lf, 0.95))} | ${ms(quantile(ld, 0.5))} | ${ms(quantile(ld, 0.95))} | ${(loaded.length / seconds).toFixed(1)} | ${refused} |`,
);
