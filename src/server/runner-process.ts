// The runner process: the server forks it so that the model's work never blocks the server's event loop and so
// that libtorch (whose addon serves one JavaScript thread per process) is loaded by one thread only: the worker
// (runner-worker.ts). This main thread only relays messages and, to cancel, sets the shared flag that the
// worker's onStep reads between sampler steps (it cannot receive messages while a job runs).
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
