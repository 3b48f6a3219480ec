// A text summary of a network: its parameter count and the output shape of every block, found by tracing one
// forward pass on zeros (so it is always the shapes the code really produces).
import { noGrad, tidy, zeros, type Tensor } from '../engine/index.js';
import type { Network } from './network.js';

export interface BlockSummary {
  name: string;
  /** Output shape of the block in the traced pass. */
  shape: number[];
  /** Parameters registered under this name (0 for parameter-free blocks such as a pooling). */
  parameters: number;
}

export interface NetworkSummary {
  parameters: number;
  inputShape: number[];
  blocks: BlockSummary[];
  /** Printable table. */
  text: string;
}

/** Traces net on zeros of inputShape (N, C, H, W) with time 0 and the null class (in eval mode, then restored). */
export function summary(net: Network, inputShape: readonly number[]): NetworkSummary {
  const wasTraining = net.training;
  const blocks: BlockSummary[] = [];
  const params = net.namedParameters();
  const countUnder = (name: string) =>
    params.filter(([k]) => k.startsWith(`${name}.`)).reduce((a, [, t]) => a + t.size, 0);
  net.eval();
  try {
    noGrad(() =>
      tidy(() => {
        const x = zeros(inputShape); // (N, C, H, W)
        const out = net.traced(
          (name: string, t: Tensor) => blocks.push({ name, shape: [...t.shape], parameters: countUnder(name) }),
          () => net.forward(x, zeros([inputShape[0]!])),
        );
        blocks.push({ name: 'output', shape: [...out.shape], parameters: 0 });
      }),
    );
  } finally {
    net.train(wasTraining);
  }
  const total = net.parameterCount();
  const traced = blocks.reduce((a, b) => a + b.parameters, 0);
  const rows = blocks.map((b) => [
    b.name,
    `(${b.shape.join(', ')})`,
    b.parameters ? b.parameters.toLocaleString('en-US') : '',
  ]);
  if (traced < total) rows.push(['(embeddings, norms, other)', '', (total - traced).toLocaleString('en-US')]);
  const head = ['block', 'output shape', 'parameters'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]!.padStart(widths[2]!)}`;
  const text = [
    `${net.constructor.name}: ${total.toLocaleString('en-US')} parameters, input (${inputShape.join(', ')})`,
    line(head),
    ...rows.map(line),
  ].join('\n');
  return { parameters: total, inputShape: [...inputShape], blocks, text };
}
