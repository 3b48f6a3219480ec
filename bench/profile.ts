// npm run bench:profile: where a training step's time goes. The default preset at bench:train's batch, trained on
// the embedded subset; `steps` steps after `warm` run under libtorch's op profiler (a chrome://tracing file,
// kept at $BENCH_TRACE or in a temporary folder), and the trace is summed: wall time per step, the time inside
// libtorch ops (top-level ops of the thread that runs the step: forward ops and the autograd engine's backward
// ops), the rest (TypeScript, Node-API calls, allocation between ops), op counts per step, and the ops with the
// most self time. BENCH_WHAT=sample profiles sampling instead, as bench:sample runs it: the shipped model's
// network evaluations at batch 250 (a DPM-Solver++(2M) step each), `steps` of them after a warm-up batch, and
// then the same batch in bench:sample's PyTorch copy of the model under PyTorch's profiler, for the ops side by side.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL_PATH, getNumThreads, loadDenoiser, train, type Precision } from '../src/index.js';
import { native } from '../src/engine/addon.js';
import { benchRun } from './train-rate.js';
import { shippedSampling } from './sample-batch.js';
import { difflabMalloc, pytorchSampling, unsupported } from './sample-pytorch.js';

const what = process.env.BENCH_WHAT === 'sample' ? 'sample' : 'train';
const batch = Number(process.env.BENCH_BATCH ?? (what === 'sample' ? 250 : 128));
const steps = Number(process.env.BENCH_STEPS ?? 4);
const warm = 2;
const precisions = (process.env.BENCH_PRECISION ?? 'bf16,fp32').split(',') as Precision[];

interface Event {
  name: string;
  ph?: string;
  ts: number;
  dur?: number;
  tid: number | string;
  args?: Record<string, unknown>;
}

interface OpTotal {
  count: number;
  self: number;
}

/** Sums a trace: per thread, top-level op time (intervals not inside another op) and every op's self time. */
function summarise(events: Event[]) {
  const ops = events.filter((e) => e.ph === 'X' && typeof e.dur === 'number' && !e.name.startsWith('PyTorch Profiler'));
  const byThread = new Map<string, Event[]>();
  for (const e of ops) {
    const k = String(e.tid);
    if (!byThread.has(k)) byThread.set(k, []);
    byThread.get(k)!.push(e);
  }
  const threads: { tid: string; topLevel: number; topCount: number }[] = [];
  const totals = new Map<string, OpTotal>();
  for (const [tid, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const stack: { end: number; name: string; child: number; dur: number }[] = [];
    let topLevel = 0,
      topCount = 0;
    const close = (upTo: number) => {
      while (stack.length > 0 && stack[stack.length - 1]!.end <= upTo) {
        const s = stack.pop()!;
        const t = totals.get(s.name) ?? { count: 0, self: 0 };
        t.count++;
        t.self += s.dur - s.child;
        totals.set(s.name, t);
      }
    };
    for (const e of list) {
      close(e.ts);
      if (stack.length === 0) {
        topLevel += e.dur!;
        topCount++;
      } else stack[stack.length - 1]!.child += e.dur!;
      stack.push({ end: e.ts + e.dur!, name: e.name, child: 0, dur: e.dur! });
    }
    close(Infinity);
    threads.push({ tid, topLevel, topCount });
  }
  threads.sort((a, b) => b.topLevel - a.topLevel);
  return { threads, totals };
}

function traced(trace: string, wall: number) {
  const parsed = JSON.parse(readFileSync(trace, 'utf8')) as Event[] | { traceEvents: Event[] };
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  return { wall, trace, ...summarise(events) };
}
const traceFile = (precision: Precision) =>
  process.env.BENCH_TRACE ?? join(mkdtempSync(join(tmpdir(), 'difflab-profile-')), `${what}-${precision}.json`);

async function profiledTraining(precision: Precision) {
  const { config, set, out } = benchRun({ batch, steps: warm + steps, precision });
  const trace = traceFile(precision);
  let t0 = 0,
    wall = 0;
  await train(config, set, out, {
    onStep: (r) => {
      if (r.step === warm) {
        native.profile(trace);
        t0 = performance.now();
      }
      if (r.step === warm + steps) {
        wall = (performance.now() - t0) * 1000; // microseconds, as the trace
        native.profile(null);
      }
    },
  });
  return traced(trace, wall);
}

/** `steps` network evaluations of the shipped model at `batch`, after one warm-up batch (oneDNN's kernel cache). */
function profiledSampling(precision: Precision) {
  const { once, dispose } = shippedSampling(precision, batch, steps);
  once();
  const trace = traceFile(precision);
  native.profile(trace);
  const t0 = performance.now();
  once();
  const wall = (performance.now() - t0) * 1000;
  native.profile(null);
  dispose();
  return traced(trace, wall);
}

const ms = (us: number) => (us / 1000 / steps).toFixed(1);
console.log(
  what === 'train'
    ? `training: default preset, batch ${batch}, ${steps} profiled steps after ${warm}, ${getNumThreads()} threads`
    : `sampling: the shipped model, batch ${batch}, ${steps} profiled network evaluations (DPM-Solver++(2M)) after a warm-up batch, ${getNumThreads()} threads`,
);
for (const precision of precisions) {
  const { wall, threads, totals, trace } =
    what === 'train' ? await profiledTraining(precision) : profiledSampling(precision);
  const main = threads[0]!;
  console.log(`\n## ${precision} (trace: ${trace})`);
  console.log(
    `wall per ${what === 'train' ? 'step' : 'evaluation'}: ${ms(wall)} ms (${((steps * batch) / (wall / 1e6)).toFixed(1)} images/s, profiled)`,
  );
  for (const t of threads.slice(0, 3))
    console.log(
      `thread ${t.tid}: top-level ops ${ms(t.topLevel)} ms per step (${((100 * t.topLevel) / wall).toFixed(0)}% of wall), ` +
        `${(t.topCount / steps).toFixed(0)} top-level ops per step`,
    );
  console.log(
    `outside the main thread's ops (TypeScript, Node-API, gaps): ${ms(wall - main.topLevel)} ms per step ` +
      `(${((100 * (wall - main.topLevel)) / wall).toFixed(0)}%), ${((wall - main.topLevel) / main.topCount).toFixed(1)} us per top-level op`,
  );
  const top = [...totals].sort((a, b) => b[1].self - a[1].self).slice(0, 25);
  console.log('| op | calls per step | self ms per step | of wall |');
  console.log('|---|---|---|---|');
  for (const [name, t] of top)
    console.log(
      `| ${name} | ${(t.count / steps).toFixed(0)} | ${ms(t.self)} | ${((100 * t.self) / wall).toFixed(1)}% |`,
    );
  if (what === 'sample') torchSide(precision);
}

/** PyTorch's ops for the same sampling (bench:sample's PyTorch copy of the model, difflab's malloc settings). */
function torchSide(precision: Precision) {
  const m = loadDenoiser(DEFAULT_MODEL_PATH, { precision: 'fp32' });
  const why = unsupported(m);
  const o = { weightsPath: DEFAULT_MODEL_PATH, batch, steps, rounds: 0, threads: getNumThreads(), device: 'cpu' };
  const r = why ? null : pytorchSampling(m, { ...o, profile: precision }, difflabMalloc);
  m.network.dispose();
  if (!r?.ops || !r.profiledUs) return console.log(`\nPyTorch side skipped${why ? `: ${why}` : ''}`);
  const wall = r.profiledUs;
  console.log(
    `\nPyTorch 1.13 eager, difflab's malloc settings, ${precision}: ${ms(wall)} ms per evaluation (profiled)`,
  );
  console.log('| op | calls per evaluation | self ms per evaluation | of wall |');
  console.log('|---|---|---|---|');
  for (const op of r.ops)
    console.log(
      `| ${op.name} | ${(op.calls / steps).toFixed(0)} | ${ms(op.selfUs)} | ${((100 * op.selfUs) / wall).toFixed(1)}% |`,
    );
}
