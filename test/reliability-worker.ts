// The reliability corpus's CLI in a worker thread: runs main() on each argv it is sent and answers with the exit
// code and what was printed. A worker, not the test's own thread, so that a case that hangs (even in synchronous
// code) can be cut off by terminating it.
import { parentPort } from 'node:worker_threads';
import { main } from '../src/cli/main.js';

// Progress bars write to process.stderr itself: kept apart from the messages (console.error), and quiet.
process.stderr.write = () => true;

parentPort!.on('message', async (args: string[]) => {
  let stdout = '',
    stderr = '';
  console.log = (...a: unknown[]) => {
    stdout += `${a.join(' ')}\n`;
  };
  console.error = (...a: unknown[]) => {
    stderr += `${a.join(' ')}\n`;
  };
  let code: number | string;
  try {
    code = await main(args);
  } catch (e) {
    code = `main threw: ${String((e as Error).stack ?? e)}`; // main catches everything: this is a crash
  }
  parentPort!.postMessage({ code, stdout, stderr });
});
