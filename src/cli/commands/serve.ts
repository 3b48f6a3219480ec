// `difflab serve`: the web playground (src/server) on this machine: generate, guide, sketch-to-image (SDEdit),
// inpaint, visual anagrams, hybrid images and the forward process, each streamed step by step to the page.
import { DEFAULT_MODEL_PATH, type PrecisionChoice } from '../../index.js';
import { isLoopback, startServer } from '../../server/index.js';
import { UsageError, num, str, type Command } from '../command.js';
import { precisionOption, readPrecisionChoice, resolvedPrecision } from '../precision.js';

/** Where the playground listens and how many jobs may wait, unless told: this machine only, a short queue. */
const serveDefaults = { port: 8080, host: '127.0.0.1', queue: 16 };

export interface ServeSettings {
  port: number;
  host: string;
  allowHosts: string[];
  maxWaiting: number;
  modelPath: string;
  precision: PrecisionChoice;
}

/** The options as the server's settings (defaults: serveDefaults, the shipped model). */
export function readServeSettings(v: Record<string, unknown>): ServeSettings {
  const d = serveDefaults;
  const port = num(v.port, 'port', d.port, { min: 0, max: 65535, integer: true });
  const host = str(v.host, 'host', d.host);
  if (!/^(\[?[0-9a-f:.]+\]?|[a-z0-9.-]+)$/i.test(host))
    throw new UsageError(`--host must be an address or a host name, got '${host}'`);
  const allowHosts = ((v['allow-host'] as string[] | undefined) ?? [])
    .flatMap((a) => a.split(','))
    .map((a) => a.trim());
  const badName = allowHosts.find((a) => !/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i.test(a));
  if (badName !== undefined)
    throw new UsageError(`--allow-host takes host names or addresses without a port, got '${badName}'`);
  const maxWaiting = num(v.queue, 'queue', d.queue, { min: 0, max: 1000, integer: true });
  const modelPath = v.model === undefined ? DEFAULT_MODEL_PATH : String(v.model);
  return { port, host, allowHosts, maxWaiting, modelPath, precision: readPrecisionChoice(v) };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the web playground (a local page that shows the model denoising step by step)',
  usage: '[--port 8080] [--host 127.0.0.1 [--allow-host NAME]] [--model FILE] [--queue 16]',
  options: {
    port: { type: 'string', help: 'TCP port (0: any free port)', default: String(serveDefaults.port) },
    host: {
      type: 'string',
      help: 'address to listen on; other than 127.0.0.1/::1 exposes the playground to the network',
      default: serveDefaults.host,
    },
    'allow-host': {
      type: 'string',
      multiple: true,
      help: 'a name the page may be reached by besides loopback and --host (repeat, or comma-separate)',
    },
    model: {
      type: 'string',
      help: 'model file written by difflab train',
      default: 'the shipped models/fashion-mnist.safetensors',
    },
    queue: {
      type: 'string',
      help: 'jobs that may wait behind the running one before requests get 503',
      default: String(serveDefaults.queue),
    },
    precision: precisionOption,
  },
  async run(v) {
    const { precision, host, ...s } = readServeSettings(v);
    const server = await startServer({ ...s, host, precision: resolvedPrecision(precision) });
    const { info } = server;
    if (!isLoopback(host)) {
      console.error(
        `warning: --host ${host} lets other machines reach the playground (no authentication); it answers to Host names ${server.hosts.join(', ')}`,
      );
    }
    console.log(
      `difflab playground at ${server.url} (${info.conditioning}; ${info.imageShape.join('x')} images; Ctrl+C stops)`,
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
