// A one-line terminal progress bar on stderr: bar, count, rate, ETA and a custom tail (e.g. the loss).
// On a non-TTY stderr (logs, CI) it prints a plain line each time another `everyPercent` of the work is done
// (and at the end) instead of redrawing: no carriage returns in logs.

/** The shortest time (s) a rate is worked out from; a bar's first update is often at its start. */
const MIN_TIMED_S = 0.01;

export interface ProgressOptions {
  /** Label before the bar. */
  label: string;
  /** Total units of work. */
  total: number;
  /** Unit name for the rate, e.g. 'img'. Default 'it'. */
  unit?: string;
  /** Units of the rate per tick (e.g. batch size for images/s). Default 1. */
  unitsPerTick?: number;
  /** Non-TTY: a line per this much of the work, in percent. Default 10. */
  everyPercent?: number;
}

const fmtTime = (s: number) => {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}:${String(sec).padStart(2, '0')}`;
};

export class Progress {
  readonly #o: Required<ProgressOptions>;
  #start = performance.now();
  #first: number | null = null;
  #lastPrint = 0;
  #lastBucket = -1;
  readonly #tty = process.stderr.isTTY === true;

  constructor(o: ProgressOptions) {
    this.#o = { unit: 'it', unitsPerTick: 1, everyPercent: 10, ...o };
  }

  /**
   * Work already done (e.g. found on disk by a resumed run): the rate and ETA count only what follows from now.
   * Without it, the rate's baseline is one tick before the first update (a loop that resumes at step k reports k+1).
   */
  resumeAt(done: number): void {
    this.#first = done;
    this.#start = performance.now();
  }

  /** Reports that `done` of total are complete; tail is shown after the numbers. */
  update(done: number, tail = ''): void {
    const now = performance.now();
    this.#first ??= done - 1;
    const elapsed = (now - this.#start) / 1000;
    const rate = ((done - this.#first) * this.#o.unitsPerTick) / Math.max(elapsed, 1e-9);
    const eta = ((this.#o.total - done) * this.#o.unitsPerTick) / rate;
    const width = 24,
      filled = Math.round((width * done) / this.#o.total);
    // A bar made at its first update (a job that learns its total then) has timed nothing yet: no rate to show.
    const timed = elapsed >= MIN_TIMED_S || done === this.#o.total;
    const speed = timed ? `${rate.toFixed(1)} ${this.#o.unit}/s ETA ${fmtTime(eta)}` : `-- ${this.#o.unit}/s ETA --`;
    const line =
      `${this.#o.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.#o.total} ` +
      `${speed}${tail ? ` ${tail}` : ''}`;
    if (this.#tty) {
      if (now - this.#lastPrint > 100 || done === this.#o.total) process.stderr.write(`\r${line}\x1b[K`);
    } else {
      const bucket = Math.floor((100 * done) / this.#o.total / this.#o.everyPercent);
      if (bucket === this.#lastBucket && done !== this.#o.total) return;
      this.#lastBucket = bucket;
      process.stderr.write(`${line}\n`);
    }
    this.#lastPrint = now;
  }

  /** Ends the bar's line. */
  done(): void {
    if (this.#tty) process.stderr.write('\n');
  }
}
