// `difflab serve`: the web playground (src/server) on this machine: generate, guide, sketch-to-image (SDEdit),
// inpaint, visual anagrams, hybrid images and the forward process, each streamed step by step to the page.
import { DEFAULT_MODEL_PATH } from '../../index.js';
import { isLoopback, startServer } from '../../server/index.js';
import { UsageError, num, str, type Command } from '../command.js';
import { precisionOption, readPrecision } from '../precision.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the web playground (a local page that shows the model denoising step by step)',
  usage: '[--port 8080] [--host 127.0.0.1 [--allow-host NAME]] [--model FILE] [--queue 16]',
  options: {
    port: { type: 'string', help: 'TCP port (0: any free port)', default: '8080' },
    host: {
      type: 'string',
      help: 'address to listen on; other than 127.0.0.1/::1 exposes the playground to the network',
      default: '127.0.0.1',
    },
    'allow-host': {
      type: 'string',
      multiple: true,
      help: 'a name the page may be reached by besides loopback and --host (repeat, or comma-separate)',
    },
    model: { type: 'string', help: 'model file written by difflab train', default: 'models/fashion-mnist.safetensors' },
    queue: { type: 'string', help: 'jobs that may wait behind the running one before requests get 503', default: '16' },
    precision: precisionOption,
  },
  async run(v) {
    const port = num(v.port, 'port', 8080, { min: 0, max: 65535, integer: true });
    const host = str(v.host, 'host', '127.0.0.1');
    if (!/^(\[?[0-9a-f:.]+\]?|[a-z0-9.-]+)$/i.test(host))
      throw new UsageError(`--host must be an address or a host name, got '${host}'`);
    const allowHosts = ((v['allow-host'] as string[] | undefined) ?? [])
      .flatMap((a) => a.split(','))
      .map((a) => a.trim());
    const badName = allowHosts.find((a) => !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i.test(a));
    if (badName !== undefined)
      throw new UsageError(`--allow-host takes host names or addresses without a port, got '${badName}'`);
    const maxWaiting = num(v.queue, 'queue', 16, { min: 0, max: 1000, integer: true });
    const modelPath = v.model === undefined ? DEFAULT_MODEL_PATH : String(v.model);
    const server = await startServer({ modelPath, host, allowHosts, port, maxWaiting, precision: readPrecision(v) });
    const { info } = server;
    if (!isLoopback(host)) {
      console.error(
        `warning: --host ${host} lets other machines reach the playground (no authentication); it answers to Host names ${server.hosts.join(', ')}`,
      );
    }
    console.log(
      `difflab playground at ${server.url} (${info.classNames.length} classes, ${info.imageShape.join('x')} images; Ctrl+C stops)`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
