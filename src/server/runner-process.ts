// The runner process: the server forks it so that a job that takes the process down (libtorch aborting, the kernel
// killing it for memory) costs one job and a restart, never the server (crash isolation). The addon could now run
// in the server's own worker threads (its state is per Node environment), but an abort would end the server too.
// Inside, the work runs on a worker thread (runner-worker.ts) so that this main thread stays free to relay
// messages and, to cancel, to set the shared flag that the worker's onStep reads between sampler steps (the worker
// cannot receive messages while a job runs).
import { Worker } from 'node:worker_threads';
import type { RunnerMessage, ServerMessage } from './protocol.js';

const send = (m: RunnerMessage) => process.send!(m);
const modelPath = process.argv[2]!;
const precision = process.argv[3] ?? 'fp32';
const cancelBuffer = new SharedArrayBuffer(4);
const cancel = new Int32Array(cancelBuffer);
let running: number | null = null;

const worker = new Worker(new URL('./runner-worker.js', import.meta.url), { workerData: { modelPath, precision, cancelBuffer } });
worker.on('message', (m: RunnerMessage) => {
  if (m.type === 'done' || m.type === 'cancelled' || m.type === 'error') running = null;
  send(m);
});
worker.on('error', (e) => {
  send({ type: 'failed', error: `runner: ${e.message.split('\n')[0]}` });
  process.exit(1);
});
worker.on('exit', (code) => process.exit(code));

process.on('message', (m: ServerMessage) => {
  if (m.type === 'job') {
    running = m.id;
    Atomics.store(cancel, 0, 0);
    worker.postMessage(m);
  } else if (m.type === 'cancel' && m.id === running) {
    Atomics.store(cancel, 0, m.id);
  }
});
// The server went away: nothing more to do.
process.on('disconnect', () => process.exit(0));
