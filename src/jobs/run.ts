// runJob: one job spec -> its kind's run (jobs/<kind>.ts) -> labelled pictures, optional denoising frames and a
// line for the user; figureOf lays those out as one figure. The CLI writes the figure (and an edit's picture at
// its own size), the playground's runner encodes each panel; both only parse into specs and render what comes back.
import { cat, tidy, type Tensor } from '../engine/index.js';
import type { LoadedDenoiser } from '../model/index.js';
import { jobFiles } from './kinds.js';
import type { JobOutput, RunJobOptions } from './output.js';
import type { JobSpec } from './kinds.js';

export type { JobOutput, Panel, RunJobOptions } from './output.js';
export { jobSteps } from './output.js';

/** Runs a job on a loaded model. Tensors in the output belong to the caller (run it inside tidy). */
export function runJob(m: LoadedDenoiser, spec: JobSpec, o: RunJobOptions = {}): JobOutput {
  // Each kind's run takes its own spec; the table pairs them by kind.
  const run = jobFiles[spec.kind].run as (m: LoadedDenoiser, spec: JobSpec, o: RunJobOptions) => JobOutput;
  return run(m, spec, o);
}

/** A figure's images in grid order, its row length and its labels. */
export interface Figure {
  images: Tensor;
  nrow: number;
  title: string;
  columns?: string[];
  rows?: string[];
}

/**
 * All panels as one figure titled with the settings (after an edit's subject): a single panel is a grid of its
 * images (nrow per row, default ceil(sqrt(k))), its columns or rows labelled when the images' labels are constant
 * along them (a class per column); several panels are read across, one row per image, each column labelled with
 * its panel.
 */
export function figureOf(
  out: Pick<JobOutput, 'panels' | 'settings' | 'imageLabels' | 'subject'>,
  nrow?: number,
): Figure {
  const { panels } = out;
  const k = panels[0]!.images.shape[0]!;
  if (panels.length > 1) {
    return tidy(() => ({
      images: cat(Array.from({ length: k }, (_, i) => cat(panels.map((p) => p.images.slice(0, i, i + 1))))),
      nrow: panels.length,
      title: out.subject ? `${out.subject}; ${out.settings}` : out.settings,
      columns: panels.map((p) => p.label),
    }));
  }
  const n = nrow ?? Math.ceil(Math.sqrt(k));
  const labels = out.imageLabels ?? [];
  const constant = (key: (i: number) => number) => labels.length === k && labels.every((l, i) => l === labels[key(i)]);
  if (labels.length === k && new Set(labels).size > 1 && constant((i) => i % n)) {
    return { images: panels[0]!.images, nrow: n, title: out.settings, columns: labels.slice(0, n) };
  }
  if (labels.length === k && new Set(labels).size > 1 && constant((i) => i - (i % n))) {
    return { images: panels[0]!.images, nrow: n, title: out.settings, rows: labels.filter((_, i) => i % n === 0) };
  }
  const title = new Set(labels).size === 1 ? `${labels[0]}: ${out.settings}` : out.settings;
  return { images: panels[0]!.images, nrow: n, title };
}
