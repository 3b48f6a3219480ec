// The thread behind decodePicture (picture-file.ts): decodes with libvips (decodeImageAsync) and answers on the
// port it was given, then wakes the waiting caller through the shared flag.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { decodeImageAsync } from './sharp-image.js';

const { flag, port } = workerData as { flag: Int32Array; port: MessagePort };
parentPort!.on('message', async (m: { bytes: Uint8Array; source: string; maxPixels?: number }) => {
  try {
    const img = await decodeImageAsync(m.bytes, m.source, m.maxPixels === undefined ? {} : { maxPixels: m.maxPixels });
    port.postMessage(img);
  } catch (e) {
    port.postMessage({ error: (e as Error).message });
  }
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
