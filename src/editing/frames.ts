// GIF frames of a sampling run, taken through the sampler's per-step callback: at chosen steps the current x_t
// and/or the x0 estimate become one grid picture. x lives in the denoiser frame x0 + sigma eps; it is shown as
// x / sqrt(1 + sigma^2), which is the VP image x_t itself and a visible scaling for VE models.
import { cat, tidy } from '../engine/index.js';
import { imageGrid, type GridOptions, type RgbaImage } from '../io/index.js';
import type { StepInfo } from '../samplers/index.js';

/** What each frame shows: the noisy sample, the denoiser's estimate, or both side by side (x_t left). */
export type FrameContent = 'xt' | 'x0' | 'both';

export interface FrameRecorderOptions {
  /** Steps the sampler will take (onStep calls). */
  numSteps: number;
  /** At most this many frames, evenly spread, the last step always included. Default 40. */
  maxFrames?: number;
  /** Default 'both'. */
  content?: FrameContent;
  /** Layout of each frame's grid. */
  grid?: GridOptions;
}

/** The step indices (0-based among the calls) that become frames. */
export function frameSteps(numSteps: number, maxFrames: number): Set<number> {
  const k = Math.max(1, Math.min(numSteps, maxFrames));
  return new Set(Array.from({ length: k }, (_, j) => Math.round(((j + 1) * numSteps) / k) - 1));
}

/** An onStep callback that collects frames, and the frames it collected. */
export function frameRecorder(o: FrameRecorderOptions): { onStep: (info: StepInfo) => void; frames: RgbaImage[] } {
  const chosen = frameSteps(o.numSteps, o.maxFrames ?? 40);
  const frames: RgbaImage[] = [];
  let call = 0;
  return {
    frames,
    onStep(info) {
      if (!chosen.has(call++)) return;
      tidy(() => {
        const xt = info.x.div(Math.sqrt(1 + info.sigma * info.sigma));
        const shown = o.content === 'xt' ? xt : o.content === 'x0' ? info.x0 : cat([xt, info.x0], 3);
        frames.push(imageGrid(shown, o.grid));
      });
    },
  };
}
