// Resuming a run: the settings its checkpoint was written under against the ones given now. A resumed run must be
// the run it continues, so a change of any setting that alters what it computes (learning rate and its schedule,
// EMA, flips, clipping, weight decay, seed, batch, precision...) is refused unless asked for, and a change asked for
// is recorded in the config's history, which config.json, the checkpoints and the model file all carry.
import { trainDefaults, type ConfigChange, type TrainConfig } from '../model/index.js';

/** What the run is (its data and network): never changed on resume, whatever is asked. */
const IDENTITY: readonly string[] = ['data', 'preset', 'network', 'imageSize', 'classNames', 'task', 'init'];
/** Settings that change nothing the run computes, only what it writes and when: free to change. */
const BOOKKEEPING: readonly string[] = [
  'checkpointEvery',
  'keepLast',
  'sampleEvery',
  'plotEvery',
  'history',
  'examplePrompts', // offered by the playground; a run started before they were recorded gets them on resume
];

/** A setting that differs between the checkpoint's run and this one. */
export interface SettingChange {
  key: string;
  from: unknown;
  to: unknown;
}

/** A resume refused: `identity` when the change makes it another run, else a change of its trajectory. */
export class ResumeConflict extends Error {
  constructor(
    readonly runDir: string,
    readonly change: SettingChange,
    readonly identity: boolean,
  ) {
    super(
      `cannot resume ${runDir}: its ${change.key} is ${JSON.stringify(change.from)}, this run's ${JSON.stringify(change.to)}` +
        (identity ? ' (another run: start a new one)' : ' (that changes its trajectory: allow it with allowChange)'),
    );
  }
}

/**
 * The config a resumed run continues under: the one given now, checked against the checkpoint's (`saved`, written
 * at `step`). steps may grow; any other change of the trajectory needs allowChange and is appended to the history.
 * A warm start (init) given once is kept: its weights are in the checkpoint.
 */
export function resumedConfig(
  saved: TrainConfig,
  now: TrainConfig,
  step: number,
  runDir: string,
  o: { allowChange?: boolean } = {},
): TrainConfig {
  const next: TrainConfig = { ...now, ...(now.init === undefined && saved.init ? { init: saved.init } : {}) };
  if (next.steps < step) throw new ResumeConflict(runDir, { key: 'steps', from: step, to: next.steps }, true);
  const was: Record<string, unknown> = { ...saved },
    is: Record<string, unknown> = { ...next };
  // What a setting a checkpoint predates was then: its default (noise levels were always drawn uniformly before).
  const defaults: Record<string, unknown> = { ...trainDefaults, noiseLevels: 'uniform' };
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  // A setting the checkpoint predates ran at its default then: at its default now, it is no change.
  const predates = (k: string) => !(k in was) && k in defaults && same(is[k], defaults[k]);
  const changes: SettingChange[] = [...new Set([...Object.keys(was), ...Object.keys(is)])]
    .filter((key) => !BOOKKEEPING.includes(key) && !predates(key) && !same(was[key], is[key]))
    .map((key) => ({ key, from: was[key], to: is[key] }));
  for (const c of changes) {
    if (IDENTITY.includes(c.key)) throw new ResumeConflict(runDir, c, true);
    const grows = c.key === 'steps' && (c.to as number) > (c.from as number);
    if (!grows && !o.allowChange) throw new ResumeConflict(runDir, c, false);
  }
  const entry: ConfigChange = {
    step,
    changed: Object.fromEntries(changes.map((c) => [c.key, { from: c.from ?? null, to: c.to ?? null }])),
  };
  return { ...next, history: [...(saved.history ?? []), ...(changes.length > 0 ? [entry] : [])] };
}
