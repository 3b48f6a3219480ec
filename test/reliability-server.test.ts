// The reliability corpus, the playground's API (docs/RELIABILITY.md): unknown fields, values out of range, pictures
// that are not what they claim (bombs, second IHDRs, bad CRCs, truncations), bodies that are not JSON objects,
// Host names that are not this server's, and routes that do not exist: each answered with its 4xx status and one
// line naming the field, before anything is queued. Also: a full queue's Retry-After is its own estimate, a port
// in use and an exposed --host are one line each.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { hostname } from 'node:os';
import { after, before, test } from 'node:test';
import { encodePng } from '../src/index.js';
import { allowedHosts, startServer, type PlaygroundServer } from '../src/server/index.js';
import { tinyModelFile } from './editing-helpers.js';
import { greyRows, ihdr, pngBytes, pngChunks } from './reliability-craft.js';
import { countsMatchDocs } from './reliability-harness.js';

let server: PlaygroundServer;
before(async () => {
  server = await startServer({
    modelPath: await tinyModelFile(4),
    port: 0,
    maxWaiting: 1,
    allowHosts: ['playground.example'],
  });
});
after(async () => server?.close());

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP request to the server (any Host header, any body). */
function send(method: string, path: string, o: { body?: string; host?: string; type?: string } = {}): Promise<Reply> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          host: o.host ?? `127.0.0.1:${url.port}`,
          ...(o.body !== undefined ? { 'content-type': o.type ?? 'application/json' } : {}),
        },
      },
      (res) => {
        let body = '';
        res
          .setEncoding('utf8')
          .on('data', (c: string) => {
            body += c;
          })
          .on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}
const post = (kind: string, body: unknown) =>
  send('POST', `/api/${kind}`, { body: typeof body === 'string' ? body : JSON.stringify(body) });

const dataUrl = (bytes: Uint8Array) => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
const grey = (w: number, h: number) =>
  dataUrl(encodePng({ width: w, height: h, data: new Uint8Array(w * h * 4).fill(255) }));
const good = pngChunks(28, 28),
  PIC = grey(28, 28);
const badPictures: [string, string, number, RegExp][] = [
  ['a number', 5 as unknown as string, 400, /'image' is required: a PNG as a data URL/],
  ['a file URL', 'file:///etc/passwd', 400, /must be a PNG data URL/],
  ['a JPEG data URL', 'data:image/jpeg;base64,/9j/4AAQ', 400, /must be a PNG data URL/],
  ['bad base64', 'data:image/png;base64,@@@@', 400, /'image' is not valid base64/],
  ['not a PNG', 'data:image/png;base64,AAAA', 400, /'image' is not a PNG/],
  [
    'an empty picture',
    dataUrl(pngBytes([ihdr(0, 28), ...good.slice(1)])),
    400,
    /'image': the PNG says it is 0x28 pixels/,
  ],
  ['too wide', grey(1100, 4), 413, /'image' is 1100x4; pictures must be at most 1024x1024/],
  ['a bomb', dataUrl(pngBytes([ihdr(30000, 30000), ...good.slice(1)])), 413, /'image' is 30000x30000/],
  [
    'a second IHDR',
    dataUrl(pngBytes([good[0]!, ihdr(30000, 30000), ...good.slice(1)])),
    400,
    /'image': .*more than one IHDR chunk/,
  ],
  ['a bad CRC', dataUrl(pngBytes(good, { badCrc: 1 })), 400, /'image': .*bad CRC in chunk IDAT/],
  ['truncated', dataUrl(pngBytes(good).subarray(0, 60)), 400, /'image': .*truncated/],
  [
    'data after IEND',
    dataUrl(Buffer.concat([pngBytes(good), Buffer.from('xyz')])),
    400,
    /'image': .*3 bytes after its IEND chunk/,
  ],
  [
    'unknown critical chunk',
    dataUrl(pngBytes([good[0]!, { type: 'EVIL', data: Buffer.from('x') }, ...good.slice(1)])),
    400,
    /'image': .*unknown critical chunk EVIL/,
  ],
  [
    'rows missing',
    dataUrl(pngBytes([good[0]!, { type: 'IDAT', data: greyRows(28, 28, { rows: 3 }) }, good[2]!])),
    400,
    /'image': cannot decode this PNG \(its image data ends early/,
  ],
  ['too many bytes', `data:image/png;base64,${'A'.repeat(1_400_000)}`, 413, /'image' is larger than 1048576 bytes/],
];

interface ServerCase {
  name: string;
  send: () => Promise<Reply>;
  status: number;
  message: RegExp;
  names: string;
}
const refused = (
  name: string,
  kind: string,
  body: unknown,
  status: number,
  message: RegExp,
  names: string,
): ServerCase => ({ name: `${kind} ${name}`, send: () => post(kind, body), status, message, names });
const field = (kind: string, base: Record<string, unknown>, rows: [Record<string, unknown>, RegExp, string][]) =>
  rows.map(([change, message, names]) =>
    refused(JSON.stringify(change).slice(0, 60), kind, { ...base, ...change }, 400, message, names),
  );

const range = (name: string) => new RegExp(`'${name}' must be (an integer|a number|one of)`);
const cases: ServerCase[] = [
  ...field('generate', { class: 'Bag', steps: 2 }, [
    [{ stpes: 5 }, /unknown field 'stpes' for generate/, 'stpes'],
    [{ count: 2 }, /unknown field 'count'/, 'count'],
    [{ image: PIC }, /unknown field 'image' for generate/, 'image'],
    [JSON.parse('{"__proto__": {"admin": true}}'), /malformed JSON/, 'JSON'],
    [{ constructor: 1 }, /unknown field 'constructor'/, 'constructor'],
    [{ n: 0 }, range('n'), "'n'"],
    [{ n: 17 }, /'n' must be an integer in \[1, 16\], got 17/, "'n'"],
    [{ n: 1.5 }, range('n'), "'n'"],
    [{ n: '4' }, range('n'), "'n'"],
    [{ n: true }, range('n'), "'n'"],
    [{ steps: 0 }, range('steps'), "'steps'"],
    [{ steps: 201 }, /'steps' must be an integer in \[1, 200\]/, "'steps'"],
    [{ steps: 2.5 }, range('steps'), "'steps'"],
    [{ steps: [2] }, range('steps'), "'steps'"],
    [{ seed: -1 }, range('seed'), "'seed'"],
    [{ seed: 2 ** 31 }, /'seed' must be an integer in \[0, 2147483647\]/, "'seed'"],
    [{ seed: 'x' }, range('seed'), "'seed'"],
    [{ guidance: 21 }, /'guidance' must be a number in \[0, 20\]/, "'guidance'"],
    [{ guidance: -1 }, range('guidance'), "'guidance'"],
    [{ eta: 2 }, /'eta' must be a number in \[0, 1\]/, "'eta'"],
    [{ sampler: 'heun', eta: 0.5 }, /'eta' applies to the ddim sampler only, not heun/, "'eta'"],
    [{ sampler: 'euler' }, /'sampler' must be one of ddpm/, "'sampler'"],
    [{ sampler: 5 }, range('sampler'), "'sampler'"],
    [{ sampler: 'ddpm', steps: undefined }, /'steps' is required for ddpm here/, "'steps'"],
    [{ preview: 'zz' }, range('preview'), "'preview'"],
    [{ frames: 0 }, range('frames'), "'frames'"],
    [{ frames: 101 }, /'frames' must be an integer in \[1, 100\]/, "'frames'"],
    [{ class: 'Spaceship' }, /'class': unknown class 'Spaceship'/, "'class'"],
    [{ class: 99 }, /'class': unknown class '99'/, "'class'"],
    [{ class: {} }, /'class' must be a class name or id/, "'class'"],
    [{ class: ['Bag'] }, /'class' must be a class name or id/, "'class'"],
    [{ class: null, guidance: 3 }, /'guidance' needs 'class' or 'prompt'/, "'guidance'"],
  ]),
  ...field('sdedit', { image: PIC, steps: 2 }, [
    [{ strenght: 0.5 }, /unknown field 'strenght' for sdedit/, 'strenght'],
    [{ mask: PIC }, /unknown field 'mask' for sdedit/, 'mask'],
    [{ strength: 2 }, /'strength' must be a number in \[0, 1\]/, "'strength'"],
    [{ strength: '0.5' }, range('strength'), "'strength'"],
    [{ class: 'Spaceship' }, /'class': unknown class/, "'class'"],
  ]),
  ...badPictures.map(([name, image, status, message]) =>
    refused(name, 'sdedit', { image, steps: 2 }, status, message, "'image'"),
  ),
  ...badPictures
    .filter((_, i) => i % 3 === 1)
    .map(([name, image, status, message]) =>
      refused(
        `mask ${name}`,
        'inpaint',
        { image: PIC, mask: image, steps: 2 },
        status,
        new RegExp(message.source.replace(/'image'/g, "'mask'")),
        "'mask'",
      ),
    ),
  ...badPictures
    .filter((_, i) => i % 4 === 2)
    .map(([name, image, status, message]) =>
      refused(name, 'forward', { image, times: [0, 500] }, status, message, "'image'"),
    ),
  ...field('inpaint', { image: PIC, mask: grey(28, 28), steps: 2 }, [
    [{ box: [1, 1, 4, 4] }, /give exactly one of 'mask' \(a picture\) and 'box'/, "'mask'"],
    [{ resample: 0 }, range('resample'), "'resample'"],
    [{ resample: 11 }, /'resample' must be an integer in \[1, 10\]/, "'resample'"],
    [{ mask: grey(14, 14) }, /mask is 14x14, the image is 28x28/, 'mask'],
  ]),
  refused('no mask', 'inpaint', { image: PIC, steps: 2 }, 400, /give exactly one of 'mask'/, "'mask'"),
  ...field('anagram', { classA: 'Bag', classB: 'Coat', steps: 2 }, [
    [{ clas: 'Bag' }, /unknown field 'clas' for anagram/, 'clas'],
    [{ class: 'Bag' }, /unknown field 'class' for anagram/, 'class'],
    [{ view: 'zz' }, range('view'), "'view'"],
    [{ classB: 'Spaceship' }, /'classB': unknown class/, "'classB'"],
    [{ classA: '' }, /'classA' or 'promptA' is required/, "'classA'"],
    [{ n: 100 }, /'n' must be an integer in \[1, 16\]/, "'n'"],
  ]),
  ...field('hybrid', { classLow: 'Bag', classHigh: 'Coat', steps: 2 }, [
    [{ kernal: 9 }, /unknown field 'kernal' for hybrid/, 'kernal'],
    [{ kernel: 8 }, /'kernel' must be odd/, "'kernel'"],
    [{ kernel: 67 }, /'kernel' must be an integer in \[1, 65\]/, "'kernel'"],
    [{ sigma: 0 }, /'sigma' must be a number in \[0\.1, 16\]/, "'sigma'"],
    [{ sigma: 17 }, range('sigma'), "'sigma'"],
    [{ classLow: null }, /'classLow' or 'promptLow' is required/, "'classLow'"],
  ]),
  ...field('forward', { image: PIC }, [
    [{ steps: 5 }, /unknown field 'steps' for forward/, 'steps'],
    [{ t: [0] }, /unknown field 't' for forward/, 't'],
    [{ times: 5 }, /'times' must be an array of 1 to 32 numbers/, "'times'"],
    [{ times: [] }, /'times' must be an array of 1 to 32/, "'times'"],
    [{ times: Array.from({ length: 33 }, () => 0) }, /'times' must be an array of 1 to 32/, "'times'"],
    [{ times: [0, -1] }, /'times': -1 is not a number in \[0, 1000\]/, "'times'"],
    [{ times: ['5'] }, /'times' must be an array of 1 to 32 numbers/, "'times'"],
    [{ times: [5000] }, /'times': 5000 is not a number in \[0, 1000\]/, "'times'"],
    [{ seed: -5 }, range('seed'), "'seed'"],
  ]),
  ...(
    [
      ['an array', '[1, 2]'],
      ['a string', '"generate"'],
      ['null', 'null'],
      ['a number', '42'],
    ] as const
  ).map(([name, body]) =>
    refused(`body ${name}`, 'generate', body, 400, /the request body must be a JSON object/, 'JSON object'),
  ),
  refused('malformed JSON', 'generate', '{"class": "Bag",', 400, /malformed JSON/, 'JSON'),
  {
    name: 'a form body',
    send: () => send('POST', '/api/generate', { body: 'n=1', type: 'application/x-www-form-urlencoded' }),
    status: 415,
    message: /unsupported content type 'application\/x-www-form-urlencoded': send JSON/,
    names: 'application/x-www-form-urlencoded',
  },
  {
    name: 'a body over 2 MiB',
    send: () => post('generate', { pad: 'x'.repeat(3 << 20) }),
    status: 413,
    message: /Request body is too large/,
    names: 'body',
  },
  ...(
    [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      'playground.example.evil',
      '[::2]',
      'localhost:8080@evil.example',
    ] as const
  ).map((host): ServerCase => ({
    name: `Host '${host}'`,
    send: () => send('GET', '/api/info', { host }),
    status: 403,
    message: /forbidden host '.*': this server answers to localhost, 127\.0\.0\.1, \[::1\], .*playground\.example/,
    names: `'${host}'`,
  })),
  {
    name: 'GET an unknown API route',
    send: () => send('GET', '/api/nope'),
    status: 404,
    message: /not found: \/api\/nope/,
    names: '/api/nope',
  },
  {
    name: 'POST /api/info',
    send: () => send('POST', '/api/info', { body: '{}' }),
    status: 404,
    message: /no such route: POST \/api\/info/,
    names: '/api/info',
  },
  {
    name: 'an unknown result',
    send: () => send('GET', '/api/results/nope/0.png'),
    status: 404,
    message: /no such result: nope\/0\.png/,
    names: 'nope/0.png',
  },
  {
    name: 'a result file name',
    send: () => send('GET', '/api/results/nope/..%2F..%2Fetc%2Fpasswd'),
    status: 404,
    message: /no such result/,
    names: 'nope',
  },
  {
    name: 'a path out of the page',
    send: () => send('GET', '/../../etc/passwd'),
    status: 404,
    message: /not found: .*passwd|no such route/,
    names: 'passwd',
  },
];

for (const c of cases) {
  test(`server: ${c.name}`, { timeout: 30_000 }, async () => {
    const before = server.stats();
    const r = await c.send();
    assert.equal(r.status, c.status, r.body);
    const { error } = JSON.parse(r.body) as { error: string };
    assert.equal(error.split('\n').length, 1);
    assert.match(error, c.message);
    assert.ok(error.includes(c.names), `the error does not name ${c.names}: ${error}`);
    const now = server.stats();
    assert.equal(
      now.completed + now.running + now.waiting,
      before.completed + before.running + before.waiting,
      'work was done for a refused request',
    );
  });
}

test('server: the names it allows pass the Host check', async () => {
  for (const host of ['playground.example', 'playground.example:8080', 'LOCALHOST', '[::1]:80'])
    assert.equal((await send('GET', '/api/info', { host })).status, 200, host);
  assert.ok(
    allowedHosts('0.0.0.0').includes(hostname().toLowerCase()),
    "a server on every interface answers to the machine's name",
  );
  assert.deepEqual(allowedHosts('10.1.2.3', ['Lab.Example']), [
    'localhost',
    '127.0.0.1',
    '[::1]',
    '10.1.2.3',
    'lab.example',
  ]);
});

test('server: a full queue answers 503 with Retry-After from its estimate, in the header and the message alike', async () => {
  const long = { class: 'Sneaker', steps: 200, n: 16, frames: 100 };
  const stream = (signal: AbortSignal) =>
    fetch(`${server.url}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(long),
      signal,
    });
  const [a, b] = [new AbortController(), new AbortController()];
  await stream(a.signal);
  while (server.stats().running === 0) await new Promise((r) => setTimeout(r, 20)); // the first runs, the second waits
  await stream(b.signal);
  const full = await post('generate', { class: 'Bag', steps: 2 });
  a.abort();
  b.abort();
  assert.equal(full.status, 503);
  const retry = Number(full.headers['retry-after']);
  assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 2 * 300, `Retry-After ${retry}`);
  assert.match(
    (JSON.parse(full.body) as { error: string }).error,
    new RegExp(`busy \\(queue full\\); retry in ${retry} s`),
  );
});

/** Runs `difflab serve ARGS` until it prints its address or exits; returns what it said and its exit code (null: killed). */
function serve(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = new URL('../../bin/difflab.js', import.meta.url).pathname;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'serve', ...args], { env: { ...process.env, DIFFLAB_THREADS: '1' } });
    let stdout = '',
      stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      if (stdout.includes('playground at')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('server: serve on a port in use exits 1 with one line', async () => {
  const port = new URL(server.url).port;
  const r = await serve(['--model', await tinyModelFile(2), '--port', port]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
});

test('server: serve --host 0.0.0.0 warns in one line and names the Host names it answers to', async () => {
  const r = await serve([
    '--model',
    await tinyModelFile(2),
    '--port',
    '0',
    '--host',
    '0.0.0.0',
    '--allow-host',
    'lab.example',
  ]);
  assert.match(r.stdout, /playground at http:\/\/0\.0\.0\.0:\d+/);
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning:'));
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(
    warnings[0]!,
    /--host 0\.0\.0\.0 lets other machines reach the playground \(no authentication\); it answers to Host names localhost, .*lab\.example/,
  );
});

countsMatchDocs(cases.map(() => 'server'));
