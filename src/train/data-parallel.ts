// Data parallelism for the trainer over the engine's process group: each rank takes its share of the global batch
// (the rows are still drawn per (seed, step, row), so the split does not change the numbers), the initial state is
// rank 0's, and gradients are averaged by one all-reduce before clipping. Every rank then applies the same update.
import { tensor, type ProcessGroup, type Tensor } from '../engine/index.js';

/** This rank's rows of a global batch of batchSize: [first, first + count). */
export function batchShare(batchSize: number, group: ProcessGroup | null): { first: number; count: number } {
  const world = group?.worldSize ?? 1,
    rank = group?.rank ?? 0;
  if (batchSize % world !== 0) {
    throw new Error(
      `train: the batch of ${batchSize} does not split evenly over ${world} processes (choose a multiple of ${world})`,
    );
  }
  const count = batchSize / world;
  return { first: rank * count, count };
}

/**
 * Makes every rank's state rank 0's: the tensors (weights, EMA, optimizer moments) in place and the counters.
 * Rank 0 alone may have read a checkpoint or an init file.
 */
export function broadcastState(group: ProcessGroup, tensors: readonly Tensor[], counters: readonly number[]): number[] {
  const c = tensor(Float64Array.from(counters), [counters.length]);
  try {
    group.broadcast(tensors); // one float32 bucket
    group.broadcast([c]); // the counters in float64: exact integers up to 2^53
    return Array.from(c.toFloat64Array());
  } finally {
    c.dispose();
  }
}

/**
 * After backward: sums every rank's gradients, the loss and a stop flag in one all-reduce divided by the world size
 * (the division rides on the bucket's copy back, no pass of its own), so each rank holds the gradient of the global
 * batch's mean loss. Returns the global mean loss and whether any rank asked to stop.
 */
export function averageGradients(
  group: ProcessGroup,
  grads: readonly Tensor[],
  loss: number,
  stop: boolean,
): { loss: number; stop: boolean } {
  const extra = tensor(Float32Array.from([loss, stop ? 1 : 0]), [2], grads[0]?.device);
  try {
    group.allReduceSum([...grads, extra], 1 / group.worldSize);
    const [mean, stops] = extra.toFloat32Array(); // stops: the fraction of ranks asking to stop
    return { loss: mean!, stop: stops! > 0 };
  } finally {
    extra.dispose();
  }
}
