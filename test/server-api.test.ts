// The playground's HTTP API over real HTTP on an ephemeral port, with the tiny test model: bad requests get clear
// 4xx JSON errors before any work, a job streams frames then its result, the queue turns clients away with 503
// when full, and a client that disconnects stops its job between sampler steps.
import assert from 'node:assert/strict';
import { get as httpGet } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { anagramViews, decodePng, encodePng, jobDefaults, samplerNames } from '../src/index.js';
import { startServer, type PlaygroundServer } from '../src/server/index.js';
import { gifInfo, tinyModelFile } from './editing-helpers.js';
import { difflab } from './helpers.js';

let server: PlaygroundServer;
const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const post = (kind: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${server.url}/api/${kind}`, { ...json(body), ...init });
/** A long job: enough work that it is still running seconds later. */
const LONG = { class: 'Sneaker', steps: 200, n: 16, frames: 100 };
// the queue test needs its first job still running after the second is queued: Heun's two evaluations per step
// doubled the time (200 DDIM-like steps of the tiny model once finished in between on a fast CI machine)
const LONGER = { ...LONG, sampler: 'heun' };

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads server-sent events from a response; stops after `until` returns true (then aborts via `stop`). */
async function readEvents(res: Response, until: (e: SseEvent) => boolean = () => false): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e = {
        event: /^event: (.*)$/m.exec(block)![1]!,
        data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown>,
      };
      events.push(e);
      if (until(e)) {
        await reader.cancel();
        return events;
      }
    }
  }
}

const stream = (kind: string, body: unknown, signal?: AbortSignal) =>
  post(kind, body, {
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    ...(signal ? { signal } : {}),
  });

async function waitFor(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(server.stats())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pngOf(dataUrl: unknown): { width: number; height: number; data: Uint8Array } {
  assert.equal(typeof dataUrl, 'string');
  assert.ok((dataUrl as string).startsWith('data:image/png;base64,'));
  return decodePng(Buffer.from((dataUrl as string).split(',')[1]!, 'base64'));
}

/** A grey w x h PNG as a data URL, white inside the box (a mask) or a ramp (a picture). */
function pngDataUrl(w: number, h: number, box?: { x: number; y: number; s: number }): string {
  const pixels = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const [x, y] = [i % w, Math.floor(i / w)];
    const v = box ? (x >= box.x && x < box.x + box.s && y >= box.y && y < box.y + box.s ? 255 : 0) : (x * 9) % 256;
    pixels.set([v, v, v, 255], i * 4);
  }
  return `data:image/png;base64,${encodePng({ width: w, height: h, data: pixels }).toString('base64')}`;
}

describe('playground API', () => {
  before(async () => {
    server = await startServer({ modelPath: await tinyModelFile(), port: 0, maxWaiting: 1 });
  });
  after(async () => server?.close());

  it('describes the model and the limits; binds to 127.0.0.1 by default', async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const info = (await (await fetch(`${server.url}/api/info`)).json()) as {
      model: { classNames: string[]; imageShape: number[]; examplePrompts: string[] };
      limits: { maxImages: number };
      samplers: string[];
      views: string[];
      defaults: typeof jobDefaults;
    };
    assert.equal(info.model.classNames[7], 'Sneaker');
    assert.deepEqual(info.model.imageShape, [1, 28, 28]);
    assert.deepEqual(info.model.examplePrompts, [], 'a model that reads no text has no example prompts');
    assert.equal(info.limits.maxImages, 16);
    // Names and defaults come from the library's tables, which the page reads from here.
    assert.deepEqual(info.samplers, [...samplerNames]);
    assert.deepEqual(info.views, [...anagramViews]);
    assert.deepEqual(info.defaults, JSON.parse(JSON.stringify(jobDefaults)));
  });

  it('refuses requests addressed to another host name (DNS rebinding) with 403; localhost names pass', async () => {
    const get = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpGet(`${server.url}/api/info`, { headers: { host } }, (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => {
              body += c;
            })
            .on('end', () => resolve({ status: res.statusCode!, body }));
        });
        req.on('error', reject);
      });
    const port = new URL(server.url).port;
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      assert.equal((await get(host)).status, 200, host);
    }
    for (const host of [`evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io']) {
      const r = await get(host);
      assert.equal(r.status, 403, host);
      assert.match((JSON.parse(r.body) as { error: string }).error, /forbidden host/);
    }
  });

  it('answers malformed JSON, wrong content types and oversized bodies with 4xx JSON errors', async () => {
    const bad = await fetch(`${server.url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"class": "Sneaker",',
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /malformed JSON/);
    const form = await fetch(`${server.url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'n=1',
    });
    assert.equal(form.status, 415);
    const big = await post('generate', { pad: 'x'.repeat(3 << 20) });
    assert.equal(big.status, 413);
    assert.ok(((await big.json()) as { error: string }).error.length > 0);
    assert.equal(server.stats().completed + server.stats().running, 0, 'nothing was run');
  });

  it('names the bad field and the allowed range of invalid parameters', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['generate', [1, 2], 400, /must be a JSON object/],
      ['generate', { class: 'Spaceship' }, 400, /unknown class 'Spaceship'.*Sneaker/],
      ['generate', { steps: 5000 }, 400, /'steps' must be an integer in \[1, 200\], got 5000/],
      ['generate', { n: 17 }, 400, /'n' must be an integer in \[1, 16\]/],
      ['generate', { n: '4' }, 400, /'n' must be an integer/],
      ['generate', { sampler: 'magic' }, 400, /'sampler' must be one of ddpm/],
      ['generate', { guidance: 3 }, 400, /'guidance' needs 'class' or 'prompt'/],
      ['sdedit', {}, 400, /'image' is required/],
      ['sdedit', { image: 'data:image/png;base64,AAAA' }, 400, /'image' is not a PNG/],
      ['sdedit', { image: 'file:///etc/passwd' }, 400, /must be a PNG data URL/],
      ['sdedit', { image: pngDataUrl(28, 28), strength: 2 }, 400, /'strength' must be a number in \[0, 1\]/],
      ['sdedit', { image: pngDataUrl(1100, 4) }, 413, /at most 1024x1024/],
      ['anagram', { classA: 'Bag' }, 400, /'classB' or 'promptB' is required/],
      ['hybrid', { classLow: 'Bag', classHigh: 'Coat', kernel: 8 }, 400, /'kernel' must be odd/],
      ['forward', { image: pngDataUrl(28, 28), times: [0, 5000] }, 400, /'times': 5000 is not a number in \[0, 1000\]/],
    ];
    for (const [kind, body, status, message] of cases) {
      const res = await post(kind, body);
      const { error } = (await res.json()) as { error: string };
      assert.equal(res.status, status, `${kind} ${JSON.stringify(body).slice(0, 80)}: ${error}`);
      assert.match(error, message);
    }
    const inpaint = await post('inpaint', {
      image: pngDataUrl(28, 28),
      mask: pngDataUrl(14, 14, { x: 0, y: 0, s: 7 }),
      steps: 2,
    });
    assert.equal(inpaint.status, 400, "a mask of another size is the client's error");
    assert.match(((await inpaint.json()) as { error: string }).error, /mask is 14x14, the image is 28x28/);
    const missing = await fetch(`${server.url}/../../etc/passwd`);
    assert.equal(missing.status, 404);
    assert.equal((await fetch(`${server.url}/api/results/nope/0.png`)).status, 404);
  });

  it('streams queued, started, frames with rising steps, then the result; PNG and GIF download', async () => {
    const res = await stream('generate', { class: 'Sneaker', steps: 8, n: 2, frames: 4, seed: 3 });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const events = await readEvents(res);
    const names = events.map((e) => e.event);
    assert.deepEqual(names, ['queued', 'started', 'frame', 'frame', 'frame', 'frame', 'done']);
    const steps = events.filter((e) => e.event === 'frame').map((e) => e.data.step as number);
    assert.deepEqual(steps, [2, 4, 6, 8]);
    assert.ok(pngOf(events[2]!.data.image).width > 0);
    const done = events.at(-1)!.data as { id: string; images: { image: string; url: string }[]; gif: string };
    const img = pngOf(done.images[0]!.image);
    assert.deepEqual([img.width, img.height], [2 * (28 * 4 + 2) + 2, 28 * 4 + 4], 'two 4x-scaled images in one row');
    const download = await fetch(`${server.url}${done.images[0]!.url}`);
    assert.equal(download.headers.get('content-type'), 'image/png');
    assert.deepEqual(decodePng(new Uint8Array(await download.arrayBuffer())).data, img.data);
    const gif = await fetch(`${server.url}${done.gif}`);
    assert.equal(gifInfo(new Uint8Array(await gif.arrayBuffer())).frames, 4);
  });

  it('runs every editing operation through the JSON API', async () => {
    const base = { steps: 3, sampler: 'ddim' };
    const picture = pngDataUrl(56, 56);
    const jobs: [string, object, number][] = [
      ['sdedit', { ...base, image: picture, strength: 0.7, class: 'Bag', guidance: 2 }, 2],
      ['inpaint', { ...base, image: picture, mask: pngDataUrl(56, 56, { x: 10, y: 10, s: 30 }) }, 3],
      ['anagram', { ...base, classA: 'Bag', classB: 'Trouser', view: 'rot90' }, 2],
      ['hybrid', { ...base, classLow: 'Bag', classHigh: 'Coat' }, 2],
      ['hybrid', { ...base, classLow: 'Bag', classHigh: 'Coat', n: 2 }, 2],
      ['forward', { image: picture, times: [0, 500, 1000] }, 1],
      // The seeds' comparison and the fields the job files brought to the API: a box, a sweep on the strided grid.
      ['denoise', { image: picture, t: 300, stride: 100, class: 'Bag' }, 5],
      ['inpaint', { ...base, image: picture, box: [4, 4, 10, 10] }, 3],
      ['sdedit', { image: picture, sweep: [1, 3], stride: 300 }, 3],
    ];
    for (const [kind, body, images] of jobs) {
      const res = await post(kind, body);
      const r = (await res.json()) as {
        images: { image: string }[];
        forward?: { t: number; image: string }[];
        picture?: string;
        pictures?: { label: string; url: string }[];
        error?: string;
      };
      assert.equal(res.status, 200, `${kind}: ${r.error}`);
      assert.equal(r.images.length, images, kind);
      // sdedit and inpainting also give the result back at the picture's own size (56x56, grey); an anagram its
      // picture and its view, a hybrid each picture, at the model's size (28x28, grey), numbered when n is over 1.
      const n = 'n' in body ? (body.n as number) : 1;
      const files =
        {
          sdedit: 'sweep' in body ? [] : ['picture.png'],
          inpaint: ['picture.png'],
          anagram: ['picture.png', 'picture-rot90.png'],
          hybrid: n === 1 ? ['picture.png'] : ['picture-0000.png', 'picture-0001.png'],
        }[kind] ?? [];
      assert.deepEqual(
        (r.pictures ?? []).map((p) => p.url.split('/').pop()),
        files,
        kind,
      );
      assert.equal(r.picture, r.pictures?.[0]?.url, `${kind}: picture is the first of the pictures`);
      const pixels: Uint8Array[] = [];
      for (const p of r.pictures ?? []) {
        const got = await fetch(`${server.url}${p.url}`);
        assert.equal(got.status, 200, `${kind}: ${p.url}`);
        const bytes = new Uint8Array(await got.arrayBuffer());
        const side = kind === 'sdedit' || kind === 'inpaint' ? 56 : 28;
        const { width, height, data } = decodePng(bytes);
        assert.deepEqual([width, height, bytes[25]], [side, side, 0], `${kind}: ${p.label}`);
        pixels.push(data);
      }
      if (kind === 'anagram') {
        // The view is the picture turned a quarter counter-clockwise (rot90): row i, column j of the view is row j,
        // column 27 - i of the picture.
        const [a, b] = pixels as [Uint8Array, Uint8Array];
        for (let i = 0; i < 28; i++)
          for (let j = 0; j < 28; j++) assert.equal(b[(i * 28 + j) * 4], a[(j * 28 + 27 - i) * 4], `view at ${i},${j}`);
      }
      for (const im of r.images) assert.equal(pngOf(im.image).height, 28 * 4 + 4, kind);
      if (kind === 'forward')
        assert.deepEqual(
          r.forward!.map((f) => f.t),
          [0, 500, 1000],
        );
    }
  });

  it('stops a job between steps when its client disconnects', async () => {
    const before = server.stats();
    const controller = new AbortController();
    const res = await stream('generate', LONG, controller.signal);
    const events = await readEvents(res, (e) => e.event === 'frame');
    assert.equal(events.at(-1)!.event, 'frame');
    assert.ok((events.at(-1)!.data.step as number) < 200);
    controller.abort();
    await waitFor(
      'the job to stop',
      () => server.stats().running === 0 && server.stats().cancelled === before.cancelled + 1,
    );
    assert.equal(server.stats().completed, before.completed, 'the job did not finish');
    // The runner is free again at once.
    const quick = await post('generate', { class: 'Bag', steps: 2 });
    assert.equal(quick.status, 200);
  });

  it('queues concurrent requests one at a time and answers 503 with Retry-After when the line is full', async () => {
    const before = server.stats();
    const [a, b] = [new AbortController(), new AbortController()];
    const first = await stream('generate', LONGER, a.signal); // runs
    await readEvents(first, (e) => e.event === 'started');
    const second = await stream('generate', LONG, b.signal); // waits (maxWaiting 1)
    const queued = await readEvents(second, (e) => e.event === 'queued');
    assert.equal(queued[0]!.data.position, 1);
    assert.deepEqual([server.stats().running, server.stats().waiting], [1, 1]);
    const third = await post('generate', { class: 'Bag', steps: 2 });
    assert.equal(third.status, 503);
    const retry = Number(third.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retry) && retry >= 1 && retry <= 2 * 300,
      `Retry-After ${retry}: at most two jobs' time limits`,
    );
    assert.match(
      ((await third.json()) as { error: string }).error,
      new RegExp(`busy \\(queue full\\); retry in ${retry} s`),
    );
    b.abort(); // a waiting job leaves the line
    a.abort(); // a running job stops
    await waitFor(
      'both jobs to be cancelled',
      () => server.stats().cancelled === before.cancelled + 2 && server.stats().running === 0,
    );
    assert.equal(server.stats().waiting, 0);
  });
});

describe('difflab serve', () => {
  it('fails with one line for a missing model or a bad port', () => {
    const missing = difflab('serve', '--model', '/nonexistent/model.safetensors', '--port', '0');
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split('\n').length, 1);
    assert.match(missing.stderr, /no such model file/);
    const port = difflab('serve', '--port', '70000');
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be <= 65535/);
  });
});
