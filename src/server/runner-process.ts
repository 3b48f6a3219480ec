// The runner process: the server forks it so that a job that takes the process down (libtorch aborting, the kernel
// killing it for memory) costs one job and a restart, never the server (crash isolation). The addon could run in
// the server's own worker threads (its state is per Node environment), but an abort would end the server too.
// Inside, the jobs run on the library's JobWorker thread, so this main thread stays free to relay messages and to
// stop a job between steps when the server asks.
import { JobError, JobWorker } from '../jobs/worker.js';
import type { Precision } from '../engine/index.js';
import type { RunnerMessage, ServerMessage } from './protocol.js';

const send = (m: RunnerMessage) => process.send!(m);
const worker = new JobWorker(process.argv[2]!, { precision: (process.argv[3] ?? 'fp32') as Precision });
const running = new Map<number, AbortController>();

worker.ready.then(
  (info) => send({ type: 'ready', info }),
  (e: Error) => {
    send({ type: 'failed', error: e.message.split('\n')[0]! });
    process.exit(1);
  },
);

process.on('message', (m: ServerMessage) => {
  if (m.type === 'cancel') {
    running.get(m.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(m.id, controller);
  worker
    .run(m.spec, {
      signal: controller.signal,
      onFrame: (f) => send({ type: 'frame', id: m.id, ...f }),
    })
    .then(
      (result) => send({ type: 'done', id: m.id, result }),
      (e: Error) => {
        if (e.name === 'AbortError') send({ type: 'cancelled', id: m.id });
        else if (e instanceof JobError) send({ type: 'error', id: m.id, error: e.message, statusCode: e.statusCode });
        else {
          send({ type: 'failed', error: `runner: ${e.message.split('\n')[0]}` });
          process.exit(1);
        }
      },
    )
    .finally(() => running.delete(m.id));
});
// The server went away: nothing more to do.
process.on('disconnect', () => process.exit(0));
