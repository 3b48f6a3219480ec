// The playground in a real browser: Debian's Chromium driven by playwright-core loads the built page from the
// server, generates images, sketches on the canvas and runs SDEdit; the result canvases must not be blank. A
// screenshot lands in test-artifacts/ (desktop and a 360 px phone width). Skipped (with the reason) where Chromium or the page build is missing.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startServer, WEB_DIR, type PlaygroundServer } from '../src/server/index.js';
import { tempDir } from './helpers.js';
import { tinyModelFile, tinyTextModelFile } from './editing-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is not installed (bash scripts/setup.sh installs it)`
  : !existsSync(join(WEB_DIR, 'index.html'))
    ? 'the page is not built (npm run build:web)'
    : null;

/** max - min of a canvas's grey values (0: one flat colour, i.e. blank). */
async function canvasSpread(page: Page, selector: string): Promise<number> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let lo = 255,
      hi = 0;
    for (let i = 0; i < data.length; i += 4) {
      lo = Math.min(lo, data[i]!);
      hi = Math.max(hi, data[i]!);
    }
    return canvas.width > 0 ? hi - lo : 0;
  });
}

/** Chromium with a fresh profile each run; no background networking (this machine's network is closed). */
function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir('difflab-chromium-'), {
    executablePath: CHROMIUM,
    viewport: { width: 1200, height: 1400 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

describe('playground page in Chromium', { skip: missing ?? false }, () => {
  let server: PlaygroundServer, browser: BrowserContext, page: Page;
  before(async () => {
    server = await startServer({ modelPath: await tinyModelFile(), port: 0 });
    browser = await launch();
    page = browser.pages()[0] ?? (await browser.newPage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads, generates an image, and turns a sketch into an image with SDEdit', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(server.url);
    await page.waitForSelector('#gen-class option', { state: 'attached' });
    assert.match((await page.textContent('#model-info')) ?? '', /10 classes, 28x28 images/);
    // The form's limits are the server's fields (job bounds under its caps), as /api/info states them.
    const info = (await (await fetch(`${server.url}/api/info`)).json()) as {
      fields: Record<string, Record<string, { min?: number; max?: number }>>;
    };
    for (const [id, kind, key] of [
      ['steps', 'generate', 'steps'],
      ['gen-n', 'generate', 'n'],
      ['seed', 'generate', 'seed'],
    ] as const) {
      const f = info.fields[kind]![key]!;
      assert.equal(await page.getAttribute(`#${id}`, 'max'), String(f.max), `#${id} max`);
      assert.equal(await page.getAttribute(`#${id}`, 'min'), String(f.min), `#${id} min`);
    }
    await page.fill('#steps', '6');
    await page.selectOption('#sampler', 'ddim');
    await page.click('#dice');
    assert.notEqual(await page.inputValue('#seed'), '0', 'the dice picks a seed');

    await page.selectOption('#gen-class', 'Sneaker');
    await page.fill('#gen-n', '2');
    await page.click('#gen-run');
    await page.waitForSelector('#gen-out[data-state="done"]', { timeout: 30_000 });
    assert.ok((await canvasSpread(page, '#gen-out canvas.final')) > 0, 'the generated image is not blank');
    assert.ok(await page.$('#gen-out a[href$="animation.gif"]'), 'a GIF download is offered');

    // A rough shoe: a few strokes on the sketch pad.
    const box = await (await page.$('#sketch'))!.boundingBox();
    assert.ok(box);
    await page.mouse.move(box.x + 30, box.y + 150);
    await page.mouse.down();
    for (const [x, y] of [
      [80, 150],
      [120, 120],
      [190, 160],
      [200, 190],
      [30, 190],
      [30, 150],
    ] as const) {
      await page.mouse.move(box.x + x, box.y + y, { steps: 4 });
    }
    await page.mouse.up();
    assert.ok((await canvasSpread(page, '#sketch')) > 0, 'the sketch has strokes');
    await page.click('#sd-run');
    await page.waitForSelector('#sd-out[data-state="done"]', { timeout: 30_000 });
    assert.ok((await canvasSpread(page, '#sd-out canvas.final')) > 0, 'the SDEdit result is not blank');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no errors in the page');
  });

  it('is usable at a phone width (360 px): nothing overflows, every run button is on screen', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(server.url);
    await page.waitForSelector('#gen-class option', { state: 'attached' });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than the screen`);
    for (const id of ['gen-run', 'sd-run', 'ip-run', 'an-run', 'hy-run', 'fw-load']) {
      const b = (await (await page.$(`#${id}`))!.boundingBox())!;
      assert.ok(b.x >= 0 && b.x + b.width <= 360, `#${id} spans ${b.x}..${b.x + b.width} of 360 px`);
    }
    await page.fill('#steps', '4');
    await page.selectOption('#sampler', 'ddim');
    await page.click('#gen-run');
    await page.waitForSelector('#gen-out[data-state="done"]', { timeout: 30_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground-360.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(ARTIFACTS, 'playground-1280.png'), fullPage: true });
  });

  it('checks number fields before sending and shows a failure in the panel that ran it', async () => {
    await page.goto(server.url);
    await page.waitForSelector('#gen-class option', { state: 'attached' });
    let requests = 0;
    page.on('request', (r) => {
      if (r.url().includes('/api/generate')) requests++;
    });
    await page.fill('#steps', '0');
    await page.click('#gen-run');
    await page.waitForSelector('#gen-out[data-state="error"] .error', { timeout: 5_000 });
    assert.match((await page.textContent('#gen-out .error')) ?? '', /^Steps: /);
    assert.equal(await page.$$eval('#gen-out canvas', (cs) => cs.length), 0, 'no black boxes left in the panel');
    await page.fill('#steps', '4');
    await page.fill('#gen-n', '99');
    await page.click('#gen-run');
    await page.waitForSelector('#gen-out .error >> text=/^Images: /', { timeout: 5_000 });
    assert.equal(requests, 0, 'nothing was sent');
    assert.equal(await page.$$eval('#sd-out .error', (e) => e.length), 0, 'other panels are untouched');
  });
});

describe('playground page in Chromium, on a model that reads text', { skip: missing ?? false }, () => {
  let server: PlaygroundServer, browser: BrowserContext, page: Page;
  before(async () => {
    server = await startServer({ modelPath: await tinyTextModelFile(), port: 0 });
    browser = await launch();
    page = browser.pages()[0] ?? (await browser.newPage());
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("offers the model's example prompts in every prompt box, the generate panel's filled with the first", async () => {
    const info = (await (await fetch(`${server.url}/api/info`)).json()) as { model: { examplePrompts: string[] } };
    const examples = info.model.examplePrompts;
    assert.ok(examples.length > 0, 'the tiny text model stores example prompts');
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.classList.contains('reads-text'));
    assert.deepEqual(
      await page.$$eval('#example-prompts option', (os) => os.map((o) => (o as HTMLOptionElement).value)),
      examples,
    );
    const boxes = [
      'gen-prompt',
      'sd-prompt',
      'ip-prompt',
      'an-a-prompt',
      'an-b-prompt',
      'hy-high-prompt',
      'hy-low-prompt',
    ];
    for (const id of boxes) {
      assert.equal(await page.getAttribute(`#${id}`, 'list'), 'example-prompts', `#${id} offers the examples`);
      assert.ok(examples.includes((await page.getAttribute(`#${id}`, 'placeholder'))!), `#${id}'s placeholder`);
    }
    assert.equal(await page.getAttribute('#gen-negative', 'list'), null, 'the negative prompt offers none');
    assert.equal(await page.inputValue('#gen-prompt'), examples[0]);
    // Without classes, the anagram's and hybrid's sides need a prompt each: they start with the next examples.
    assert.deepEqual(await Promise.all(['an-a-prompt', 'an-b-prompt'].map((id) => page.inputValue(`#${id}`))), [
      examples[1 % examples.length],
      examples[2 % examples.length],
    ]);
  });

  it('offers a prompt box in each panel (no class menus), and sends the typed prompts', async () => {
    const bodies: Record<string, unknown>[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/') && r.method() === 'POST') bodies.push(JSON.parse(r.postData() ?? '{}'));
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.body.classList.contains('reads-text'));
    assert.match((await page.textContent('#model-info')) ?? '', /no classes, text prompts, 12x12 images/);
    for (const id of ['gen-prompt', 'gen-negative', 'sd-prompt', 'ip-prompt', 'an-a-prompt', 'hy-low-prompt'])
      assert.ok(await page.isVisible(`#${id}`), `#${id} is not shown`);
    assert.ok(!(await page.isVisible('#gen-class')), 'a class menu is shown for a model without classes');
    await page.fill('#steps', '4');
    await page.selectOption('#sampler', 'ddim');
    await page.fill('#gen-prompt', 'red circle');
    await page.fill('#gen-negative', 'blue');
    await page.fill('#gen-n', '2');
    await page.click('#gen-run');
    await page.waitForSelector('#gen-out[data-state="done"]', { timeout: 30_000 });
    assert.ok((await canvasSpread(page, '#gen-out canvas.final')) > 0, 'the generated image is not blank');
    assert.match((await page.textContent('#gen-out')) ?? '', /red circle/);
    await page.fill('#an-a-prompt', 'red circle');
    await page.fill('#an-b-prompt', 'green square');
    await page.click('#an-run');
    await page.waitForSelector('#an-out[data-state="done"]', { timeout: 30_000 });
    assert.match((await page.textContent('#an-out')) ?? '', /red circle.*green square/s);
    // The anagram's picture and its view download at the model's size, one link each.
    for (const file of ['picture.png', `picture-${await page.inputValue('#an-view')}.png`])
      assert.ok(await page.$(`#an-out a[href$="/${file}"]`), `the anagram offers ${file}`);
    assert.deepEqual(
      bodies.map((b) => [b.prompt ?? b.promptA, b.negativePrompt ?? b.promptB]),
      [
        ['red circle', 'blue'],
        ['red circle', 'green square'],
      ],
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground-text.png'), fullPage: true });
  });
});
