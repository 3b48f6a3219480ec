// A training run's folder as `difflab train` meets it: new, continued (--resume), or left by a run that stopped
// before its first checkpoint (started afresh: there is nothing to resume and nothing to lose), and a refused
// resume in the words of the options.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ResumeConflict, listCheckpoints } from '../index.js';
import { UsageError } from './command.js';

/** The option behind each config setting whose name differs from it. */
const optionOf: Record<string, string> = {
  batchSize: 'batch',
  lrWarmupSteps: 'warmup',
  lrDecay: 'lr-decay',
  lrMinFactor: 'lr-final',
  weightDecay: 'weight-decay',
  gradClipNorm: 'grad-clip',
  emaHalfLifeImages: 'ema-half-life',
  minSnrGamma: 'min-snr',
  noiseLevels: 'noise-levels',
  denoiseSigma: 'denoise-sigma',
  imageSize: 'size',
  classNames: 'classes',
  network: 'preset',
};

/**
 * --resume as given: true, false, or 'auto' (`--resume auto`, and any run a launcher restarted:
 * TORCHELASTIC_RESTART_COUNT > 0), which continues from the last checkpoint when there is one and starts otherwise.
 * `auto` comes as the command's one positional argument (--resume is a flag).
 */
export function readResume(
  flag: boolean,
  positionals: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): boolean | 'auto' {
  const [arg] = positionals;
  if (arg !== undefined && (arg !== 'auto' || !flag))
    throw new UsageError(`train: unexpected argument '${arg}' (--resume takes no value but auto)`);
  if (arg === 'auto' || (!flag && Number(env.TORCHELASTIC_RESTART_COUNT ?? 0) > 0)) return 'auto';
  return flag;
}

/**
 * Checks --out against --resume and --allow-change before any work; a run with no checkpoint may start again.
 * Returns whether to resume ('auto' settled by the checkpoints there).
 */
export function checkRunFolder(out: string, o: { resume: boolean | 'auto'; allowChange: boolean }): boolean {
  if (o.allowChange && !o.resume) throw new UsageError('--allow-change applies to --resume only');
  const checkpoints = listCheckpoints(out).length;
  if (o.resume === 'auto') {
    if (checkpoints === 0) return checkRunFolder(out, { resume: false, allowChange: false });
    console.error(`note: --resume auto: continuing ${out} from its last checkpoint`);
    return true;
  }
  if (o.resume && checkpoints === 0) {
    throw new UsageError(`--resume: ${out} has no checkpoint to resume from (run without --resume to start it afresh)`);
  }
  if (!o.resume && existsSync(join(out, 'config.json'))) {
    if (checkpoints > 0)
      throw new UsageError(`${out} already holds a run: pass --resume to continue it, or choose another --out`);
    console.error(`note: ${out} holds a run that stopped before its first checkpoint; starting it afresh`);
  }
  return o.resume;
}

const shown = (x: unknown) =>
  x === undefined || x === null ? 'unset' : typeof x === 'object' ? JSON.stringify(x) : String(x);

/** A resume the trainer refused, as a usage error naming the option; other errors pass through. */
export function resumeUsageError(e: unknown): unknown {
  if (!(e instanceof ResumeConflict)) return e;
  const { key, from, to } = e.change;
  const option = `--${optionOf[key] ?? key}`;
  if (key === 'steps' && e.identity)
    return new UsageError(`--steps ${to} is below the step of ${e.runDir}'s checkpoint (${from})`);
  if (e.identity)
    return new UsageError(
      `--resume: ${e.runDir} was trained with ${option} ${shown(from)}, not ${shown(to)}: that is another run (choose another --out)`,
    );
  return new UsageError(
    `--resume: ${e.runDir} was trained with ${option} ${shown(from)}, not ${shown(to)}; that changes its trajectory ` +
      `(pass --allow-change to change it anyway: config.json records it in its history)`,
  );
}
