// What the data-parallel tests share: the tiny training they run, and how far apart two runs' weights end.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors } from '../src/index.js';

/** A 20-step-scale tiny-preset fp32 training of the embedded subset into `out`. */
export const tinyTraining = (out: string, ...more: string[]) => [
  'train',
  '--data',
  'subset',
  '--classes',
  '--preset',
  'tiny',
  '--batch',
  '16',
  '--precision',
  'fp32',
  '--sample-every',
  '0',
  '--out',
  out,
  ...more,
];

/** ||a - b|| / ||a|| over every tensor of two model files. */
export function weightGap(a: string, b: string): number {
  const x = loadSafetensors(a).tensors,
    y = loadSafetensors(b).tensors;
  let d = 0,
    n = 0;
  for (const k of Object.keys(x)) {
    const u = x[k]!.toFloat64Array(),
      v = y[k]!.toFloat64Array();
    for (let i = 0; i < u.length; i++) {
      d += (u[i]! - v[i]!) ** 2;
      n += u[i]! ** 2;
    }
  }
  return Math.sqrt(d / n);
}

/** The steps loss.csv holds rows for, in file order. */
export const lossSteps = (runDir: string): number[] =>
  readFileSync(join(runDir, 'loss.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[0]));
