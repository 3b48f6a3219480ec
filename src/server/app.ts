// The playground's HTTP server (fastify): the built page from memory, the JSON API, and each job's denoising
// streamed as server-sent events. Requests are checked (protocol.ts) before they are queued (queue.ts); no part
// of a request is ever used as a file path: static files are read once at start-up into a map.
import { randomUUID } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import {
  DEFAULT_LIMITS,
  JOB_KINDS,
  PREVIEW_CONTENTS,
  RequestError,
  SAMPLER_NAMES,
  VIEW_NAMES,
  describeJobs,
  parseJob,
  serverCaps,
  type JobKind,
  type JobResult,
  type Limits,
  type ModelInfo,
} from './protocol.js';
import { jobDefaults } from '../jobs/kinds.js';
import { JobCancelled, JobQueue, QueueFull, type Frame, type QueueStats } from './queue.js';
import type { Precision } from '../engine/index.js';

/** Where `npm run build:web` puts the page (dist/src/server -> dist/web). */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

export interface ServerOptions {
  /** Model file the runner loads. */
  modelPath: string;
  /** Precision the runner computes in. Default 'fp32'. */
  precision?: Precision;
  /** Default 127.0.0.1: only this machine can reach the playground. */
  host?: string;
  /** Host names requests may be addressed to besides loopback and `host` itself (see allowedHosts). */
  allowHosts?: readonly string[];
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Jobs that may wait behind the running one before requests get 503. Default 16. */
  maxWaiting?: number;
  /** A job running longer is stopped. Default 300 s. */
  jobTimeoutMs?: number;
  /** Request bounds (the rest default to DEFAULT_LIMITS). */
  limits?: Partial<Limits>;
  /** The built page. Default WEB_DIR. */
  webDir?: string;
  /** Finished results kept for download. Default 64. */
  keepResults?: number;
}

export interface PlaygroundServer {
  /** http://host:port */
  url: string;
  info: ModelInfo;
  /** The Host header names it answers to (allowedHosts). */
  hosts: string[];
  app: FastifyInstance;
  stats(): QueueStats;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Every file of the built page by URL path, read once. */
function loadStatic(dir: string): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  if (!existsSync(dir)) return files;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (CONTENT_TYPES[extname(name)]) {
        files.set(`/${relative(dir, p).split(sep).join('/')}`, {
          body: readFileSync(p),
          type: CONTENT_TYPES[extname(name)]!,
        });
      }
    }
  };
  walk(dir);
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

const dataUrl = (mime: string, bytes: Uint8Array) => `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;

/** A result picture's file under /api/results/ID/: picture.png, or picture-NAME.png (picture-rot180.png). */
const pictureFile = (name: string) => `picture${name ? `-${name}` : ''}.png`;

/**
 * A result as JSON: images as data URLs (shown at once) and as download URLs; the pictures at their own size as
 * download URLs, `picture` the first (an edit's one result).
 */
function resultJson(id: string, r: JobResult) {
  const pictures = r.pictures?.map((p) => ({ label: p.label, url: `/api/results/${id}/${pictureFile(p.name)}` }));
  return {
    id,
    summary: r.summary,
    images: r.images.map((im, i) => ({
      label: im.label,
      image: dataUrl('image/png', im.png),
      url: `/api/results/${id}/${i}.png`,
    })),
    ...(r.gif ? { gif: `/api/results/${id}/animation.gif` } : {}),
    ...(pictures?.length ? { picture: pictures[0]!.url, pictures } : {}),
    ...(r.forward ? { forward: r.forward.map((f) => ({ t: f.t, image: dataUrl('image/png', f.png) })) } : {}),
  };
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = ['0.0.0.0', '::', '[::]'];

/** A host as a Host header names it: lower case, IPv6 addresses in brackets. */
const asHostHeader = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase();

/** True for a --host that only this machine can reach. */
export const isLoopback = (host: string): boolean => LOOPBACK_NAMES.includes(asHostHeader(host));

/**
 * The Host header names a server listening on `host` answers to: loopback, the address it listens on (this
 * machine's name and every address of its interfaces when it listens on all of them) and the names allowed.
 * Anything else is refused with 403, wherever the server listens: a page on another site whose name resolves to
 * this machine (DNS rebinding) must not drive the playground.
 */
export function allowedHosts(host: string, allow: readonly string[] = []): string[] {
  const own = WILDCARDS.includes(host)
    ? [hostname(), ...Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address))]
    : [host];
  return [...new Set([...LOOPBACK_NAMES, ...own, ...allow].map(asHostHeader))];
}

/**
 * The host name of a Host header ('localhost:8080' -> 'localhost', '[::1]:80' -> '[::1]'), lower-cased; a header
 * that is not a name with an optional numeric port comes back whole (and matches no allowed name).
 */
export function hostName(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  return /^(\[[0-9a-f:.]+\]|[^:[\]]+)(:\d+)?$/.exec(h)?.[1] ?? h;
}

function errorStatus(e: unknown): { status: number; message: string } {
  if (e instanceof RequestError) return { status: e.statusCode, message: e.message };
  const err = e as { statusCode?: number; message?: string; code?: string };
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    const what = e instanceof SyntaxError || /JSON/.test(err.code ?? '') ? 'malformed JSON: ' : '';
    return { status: err.statusCode, message: `${what}${err.message ?? 'bad request'}` };
  }
  return { status: 500, message: `internal error: ${String(err.message ?? e).split('\n')[0]}` };
}

export async function startServer(o: ServerOptions): Promise<PlaygroundServer> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...o.limits };
  const queue = await JobQueue.start({
    modelPath: o.modelPath,
    precision: o.precision,
    maxWaiting: o.maxWaiting ?? 16,
    jobTimeoutMs: o.jobTimeoutMs ?? 300_000,
  });
  const info = queue.info;
  const files = loadStatic(o.webDir ?? WEB_DIR);
  const results = new Map<string, JobResult>();
  const keepResults = o.keepResults ?? 64;
  const app = Fastify({ bodyLimit: limits.bodyBytes, logger: false, forceCloseConnections: true });

  const hosts = allowedHosts(o.host ?? '127.0.0.1', o.allowHosts);
  app.addHook('onRequest', async (req) => {
    if (!hosts.includes(hostName(req.headers.host))) {
      throw new RequestError(
        `forbidden host '${String(req.headers.host ?? '').slice(0, 100)}': this server answers to ${hosts.join(', ')} (--allow-host to add a name)`,
        403,
      );
    }
  });
  app.addHook('onSend', async (_req, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self'");
  });
  app.setErrorHandler((e, req, reply) => {
    const { status, message } = errorStatus(e);
    if (status === 415)
      return void reply.code(415).send({
        error: `unsupported content type '${String(req.headers['content-type']).slice(0, 100)}': send JSON (application/json)`,
      });
    if (e instanceof QueueFull) reply.header('Retry-After', String(e.retryAfterSeconds));
    void reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler(
    (req, reply) => void reply.code(404).send({ error: `no such route: ${req.method} ${req.url.split('?')[0]}` }),
  );

  app.get('/api/info', async () => ({
    model: info,
    samplers: SAMPLER_NAMES,
    views: VIEW_NAMES,
    previews: PREVIEW_CONTENTS,
    jobs: JOB_KINDS,
    defaults: jobDefaults,
    limits,
    /** The public server's caps over the library's bounds, by field (serverCaps), and every kind's fields. */
    caps: serverCaps(limits),
    fields: describeJobs(info, limits),
    queue: queue.stats(),
  }));

  app.get<{ Params: { id: string; file: string } }>('/api/results/:id/:file', async (req, reply) => {
    const r = results.get(req.params.id);
    const m = /^(\d{1,2})\.png$/.exec(req.params.file);
    const body = !r
      ? undefined
      : req.params.file === 'animation.gif'
        ? r.gif
        : req.params.file.startsWith('picture')
          ? r.pictures?.find((p) => pictureFile(p.name) === req.params.file)?.png
          : m
            ? r.images[Number(m[1])]?.png
            : undefined;
    if (!body) throw new RequestError(`no such result: ${req.params.id}/${req.params.file}`, 404);
    const ext = req.params.file.endsWith('.gif') ? 'gif' : 'png';
    return reply
      .type(`image/${ext}`)
      .header('Content-Disposition', `attachment; filename="difflab-${req.params.id.slice(0, 8)}-${req.params.file}"`)
      .send(Buffer.from(body));
  });

  const keep = (r: JobResult): string => {
    const id = randomUUID();
    results.set(id, r);
    while (results.size > keepResults) results.delete(results.keys().next().value!);
    return id;
  };

  for (const kind of JOB_KINDS) {
    app.post(`/api/${kind}`, async (req, reply) => {
      const spec = parseJob(kind as JobKind, req.body, info, limits);
      const streaming = (req.headers.accept ?? '').includes('text/event-stream');
      if (!streaming) {
        const job = queue.submit(spec);
        onDisconnect(reply, job.cancel);
        try {
          return resultJson(keep(await job.result), await job.result);
        } catch (e) {
          if (e instanceof JobCancelled) return reply; // the client is gone
          throw e;
        }
      }
      // Server-sent events over the POST's response: queued, started, frame..., then done or error.
      const event = (name: string, data: unknown) => {
        if (!reply.raw.writableEnded) reply.raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const job = queue.submit(spec, {
        onStart: () => event('started', {}),
        onFrame: (f: Frame) =>
          event('frame', { step: f.step, numSteps: f.numSteps, image: dataUrl('image/png', f.png) }),
      });
      reply.hijack();
      reply.raw.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache',
        'X-Accel-Buffering': 'no',
        'X-Content-Type-Options': 'nosniff',
      });
      onDisconnect(reply, job.cancel);
      event('queued', { position: job.position });
      try {
        const r = await job.result;
        event('done', resultJson(keep(r), r));
      } catch (e) {
        if (!(e instanceof JobCancelled)) {
          const { status, message } = errorStatus(e);
          event('error', { status, error: message });
        }
      }
      reply.raw.end();
    });
  }

  app.get('/*', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    const file = files.get(path);
    if (file) return reply.type(file.type).send(file.body);
    if (path === '/') {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The page is not built: run npm run build:web (the API works: GET /api/info).');
    }
    throw new RequestError(`not found: ${path}`, 404);
  });

  try {
    await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 8080 });
  } catch (e) {
    // Cannot listen (port taken, address not on this machine): stop the runner too, or it keeps the process alive.
    await queue.close();
    await app.close().catch(() => {});
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'EADDRINUSE'
        ? 'the port is in use'
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
          ? 'no such address on this machine'
          : String(err.message).split('\n')[0];
    throw new Error(`cannot listen on ${o.host ?? '127.0.0.1'}:${o.port ?? 8080}: ${why}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (o.port ?? 8080);
  const host = o.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    info,
    app,
    hosts,
    stats: () => queue.stats(),
    async close() {
      await queue.close();
      await app.close();
    },
  };
}

/** Calls cancel when the client closes the connection before the response is complete. */
function onDisconnect(reply: FastifyReply, cancel: () => void): void {
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) cancel();
  });
}
