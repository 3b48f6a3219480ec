// The progress bar's rate: counted from the work done since timing began, whether the caller reports ticks
// (training steps) or units (images of an eval), and not counting work a resumed run found on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Progress } from '../src/cli/progress.js';

/** The last line the bar writes to stderr while fn runs, and the rate in it. */
async function rateOf(fn: () => Promise<void>): Promise<number> {
  const write = process.stderr.write.bind(process.stderr);
  let last = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    last = String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = write;
  }
  const m = / ([\d.]+) img\/s /.exec(last);
  assert.ok(m, `no rate in ${JSON.stringify(last)}`);
  return Number(m[1]);
}

test('a bar that reports images counts every image since resumeAt, not one', async () => {
  const elapsed = 0.2;
  const rate = await rateOf(async () => {
    const bar = new Progress({ label: 'eval', total: 100, unit: 'img' });
    bar.resumeAt(0);
    await sleep(elapsed * 1000);
    bar.update(100);
  });
  // 100 images in ~0.2 s: ~500 img/s (an image count read as one tick gave 5)
  // timers may fire a little early against the bar's clock: 10% of slack
  assert.ok(rate > 100 && rate <= (1.1 * 100) / elapsed, `rate ${rate}`);
});

test('work found on disk does not count towards the rate', async () => {
  const rate = await rateOf(async () => {
    const bar = new Progress({ label: 'eval', total: 100, unit: 'img' });
    bar.resumeAt(90);
    await sleep(200);
    bar.update(100);
  });
  // 50 img/s, with 10% of slack for a timer firing early (counting the 90 found on disk would read 500)
  assert.ok(rate <= (1.1 * 10) / 0.2, `10 images in 0.2 s reported as ${rate} img/s`);
});

test('a training bar (ticks of a batch) that resumes at step k counts from k', async () => {
  const rate = await rateOf(async () => {
    const bar = new Progress({ label: 'train', total: 12, unit: 'img', unitsPerTick: 64 });
    await sleep(100);
    bar.update(11);
    await sleep(100);
    bar.update(12);
  });
  assert.ok(rate > 64 / 0.4 && rate <= 128 / 0.2, `rate ${rate}`);
});

test('without a terminal, one plain line per tenth of the work and the last, no carriage returns', async () => {
  const write = process.stderr.write.bind(process.stderr);
  const lines: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const bar = new Progress({ label: 'sample', total: 1000, unit: 'step' });
    for (let i = 1; i <= 1000; i++) bar.update(i);
    bar.done();
  } finally {
    process.stderr.write = write;
  }
  if (process.stderr.isTTY) return; // the node test runner pipes stderr: this is the non-TTY case
  assert.equal(lines.length, 11, `0%, 10%, ..., 100%: ${lines.length} lines`);
  assert.ok(lines.every((l) => !l.includes('\r') && l.endsWith('\n')));
  assert.match(lines.at(-1)!, /1000\/1000 .* step\/s ETA 0:00/);
});
