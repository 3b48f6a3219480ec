// The playground page: one panel per operation, each streaming its denoising frame by frame into a canvas,
// then showing the result(s) with PNG/GIF downloads. Settings shared by every panel sit at the top.
import { getInfo, runJob, type Info, type Result } from './api.js';
import { drawImage, drawingPad } from './draw.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => {
  $('status').textContent = text;
};

/** The last result's first picture (a data URL): inpainting's and the forward process's input. */
let lastImage: string | null = null;

/**
 * A number field's value, checked against its own min, max and step before anything is sent: an empty, out-of-range
 * or fractional value throws with the field's label and the browser's reason (shown in the panel that was run).
 */
function numberField(id: string): number {
  const input = $<HTMLInputElement>(id);
  const label = input.closest('label')?.firstChild?.textContent?.trim() ?? id;
  if (input.value.trim() === '' || !input.checkValidity() || !Number.isFinite(input.valueAsNumber)) {
    throw new Error(
      `${label}: ${input.validationMessage || 'a number is needed'} (${input.min}..${input.max || 'any'})`,
    );
  }
  return input.valueAsNumber;
}

function sampling(): Record<string, unknown> {
  return {
    sampler: $<HTMLSelectElement>('sampler').value,
    steps: numberField('steps'),
    guidance: Number($<HTMLInputElement>('guidance').value),
    seed: numberField('seed'),
    preview: $<HTMLSelectElement>('preview').value,
    frames: 25,
  };
}

function fillClasses(select: HTMLSelectElement, names: string[], o: { none?: boolean; pick?: number } = {}): void {
  if (o.none) select.append(new Option('(any)', ''));
  names.forEach((n, i) => select.append(new Option(n, n, false, i === o.pick)));
}

function canvas(className: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.className = className;
  return c;
}

function link(text: string, href: string, filename: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.textContent = text;
  a.href = href;
  a.download = filename;
  return a;
}

interface PanelOptions {
  kind: string;
  out: string;
  run: string;
  stop: string;
  /** The request body; throwing an Error shows its message instead. */
  body: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** A second live view of each frame (the anagram's view, the hybrid's blur), by CSS class. */
  secondView?: () => string;
}

/** Wires a panel: run streams frames into a live canvas, then shows every result image with downloads. */
function panel(o: PanelOptions): void {
  const out = $(o.out),
    run = $<HTMLButtonElement>(o.run),
    stop = $<HTMLButtonElement>(o.stop);
  let controller: AbortController | null = null;
  stop.addEventListener('click', () => controller?.abort());
  run.addEventListener('click', async () => {
    let body: Record<string, unknown>;
    try {
      body = { ...sampling(), ...(await o.body()) };
    } catch (e) {
      showError(out, (e as Error).message);
      return;
    }
    controller = new AbortController();
    run.disabled = true;
    stop.disabled = false;
    out.dataset.state = 'running';
    out.replaceChildren();
    const live = document.createElement('div');
    live.className = 'live';
    const main = canvas('result');
    live.append(main);
    const second = o.secondView ? canvas(`result ${o.secondView()}`) : null;
    if (second) live.append(second);
    const progress = document.createElement('progress');
    progress.max = 1;
    progress.value = 0;
    out.append(live, progress);
    try {
      const result = await runJob(o.kind, body, {
        signal: controller.signal,
        onQueued: (p) => status(p > 0 ? `queued behind ${p} job(s)…` : 'starting…'),
        onStarted: () => status(`${o.kind}: denoising…`),
        onFrame: (f) => {
          progress.value = f.step / f.numSteps;
          void drawImage(main, f.image, 'natural');
          if (second) void drawImage(second, f.image, 'natural');
        },
      });
      await showResult(out, result);
      status(result.summary);
    } catch (e) {
      if ((e as Error).name === 'AbortError') {
        out.replaceChildren();
        out.dataset.state = 'stopped';
        status('stopped');
      } else showError(out, (e as Error).message);
    } finally {
      run.disabled = false;
      stop.disabled = true;
      controller = null;
    }
  });
}

/** A failed run: its message in the panel that ran it (not the black live canvases), and in the status line. */
function showError(out: HTMLElement, message: string): void {
  const p = document.createElement('p');
  p.className = 'error';
  p.setAttribute('role', 'alert');
  p.textContent = message;
  out.replaceChildren(p);
  out.dataset.state = 'error';
  status(`error: ${message}`);
}

async function showResult(out: HTMLElement, r: Result): Promise<void> {
  const figures = document.createElement('div');
  figures.className = 'results';
  for (const im of r.images) {
    const fig = document.createElement('figure');
    const c = canvas('result final');
    await drawImage(c, im.image, 'natural');
    const caption = document.createElement('figcaption');
    caption.append(`${im.label.replace(/\n/g, ' ')} `, link('PNG', im.url, `difflab-${r.id.slice(0, 8)}.png`));
    fig.append(c, caption);
    figures.append(fig);
  }
  const downloads = document.createElement('p');
  const pictures = r.pictures ?? [];
  const file = (url: string) => `difflab-${r.id.slice(0, 8)}-${url.split('/').pop()!}`;
  if (pictures.length === 1)
    downloads.append(link('Download the result at its own size', pictures[0]!.url, file(pictures[0]!.url)), ' ');
  else if (pictures.length > 1)
    downloads.append(
      'Download the pictures at their own size: ',
      ...pictures.flatMap((p) => [link(p.label, p.url, file(p.url)), ', ']).slice(0, -1),
      '. ',
    );
  if (r.gif) downloads.append(link('Download the denoising as a GIF', r.gif, `difflab-${r.id.slice(0, 8)}.gif`));
  out.replaceChildren(figures, downloads);
  lastImage = r.images[0]!.image;
  out.dataset.state = 'done';
}

/**
 * A text model's example prompts: every prompt box offers them (the datalist its `list` names) and shows one as
 * its placeholder; the generate box starts with the first, and without classes the anagram's and hybrid's sides
 * (which need a condition) with the next ones.
 */
function offerExamples(m: Info['model']): void {
  const examples = m.reads === 'text' ? m.examplePrompts : [];
  if (examples.length === 0) return;
  $('example-prompts').replaceChildren(...examples.map((p) => new Option(p)));
  const boxes = [...document.querySelectorAll<HTMLInputElement>('input[list="example-prompts"]')];
  boxes.forEach((box, i) => (box.placeholder = examples[i % examples.length]!));
  const filled = [
    'gen-prompt',
    ...(m.classNames.length === 0 ? ['an-a-prompt', 'an-b-prompt', 'hy-high-prompt', 'hy-low-prompt'] : []),
  ];
  filled.forEach((id, i) => ($<HTMLInputElement>(id).value = examples[i % examples.length]!));
}

function setup(info: Info): void {
  const m = info.model;
  const readsText = m.reads === 'text';
  document.body.classList.toggle('reads-text', readsText);
  document.body.classList.toggle('no-classes', m.classNames.length === 0);
  $('model-info').textContent =
    `${m.classNames.length > 0 ? `${m.classNames.length} classes` : 'no classes'}${readsText ? ', text prompts' : ''}, ` +
    `${m.imageShape.slice(1).join('x')} images, ` +
    `${m.schedule.name} schedule, ${m.trainingSteps} training steps`;
  offerExamples(m);
  for (const s of info.samplers)
    $<HTMLSelectElement>('sampler').append(new Option(s, s, false, s === info.defaults.generate.sampler));
  // The form's limits are the server's fields (the job files' bounds under its caps): one statement of each.
  const limit = (id: string, kind: string, key: string, o: { uiMax?: number } = {}) => {
    const f = info.fields[kind]?.[key];
    const input = $<HTMLInputElement>(id);
    if (f?.min !== undefined) input.min = String(f.min);
    if (f?.max !== undefined) input.max = String(Math.min(f.max, o.uiMax ?? Infinity));
    input.title = f?.help ?? '';
  };
  limit('steps', 'generate', 'steps');
  limit('seed', 'generate', 'seed');
  limit('guidance', 'generate', 'guidance', { uiMax: 10 }); // a slider: the useful part of the range
  limit('gen-n', 'generate', 'n');
  limit('sd-strength', 'sdedit', 'strength');
  const names = m.classNames;
  fillClasses($('gen-class'), names, { pick: 7 });
  fillClasses($('sd-class'), names, { none: true });
  fillClasses($('ip-class'), names, { none: true });
  fillClasses($('an-a'), names, { pick: 0 });
  fillClasses($('an-b'), names, { pick: 1 });
  fillClasses($('hy-high'), names, { pick: 7 });
  fillClasses($('hy-low'), names, { pick: 8 });
  for (const v of info.views) $<HTMLSelectElement>('an-view').append(new Option(v, v));

  const guidance = $<HTMLInputElement>('guidance');
  guidance.addEventListener('input', () => {
    $('guidance-out').textContent = guidance.value;
  });
  $('dice').addEventListener('click', () => {
    $<HTMLInputElement>('seed').value = String(Math.floor(Math.random() * 2 ** 31));
  });

  const classOf = (id: string) => (m.classNames.length > 0 ? $<HTMLSelectElement>(id).value || null : null);
  /** A prompt box's words, when the model reads text and the box is filled. */
  const promptOf = (id: string) => (readsText ? $<HTMLInputElement>(id).value.trim() || null : null);
  /** A panel's condition: its prompt when one is typed, else its class; `guidance: 1` when neither is given. */
  const condition = (cls: string, prompt: string) => {
    const p = promptOf(prompt);
    return p ? { prompt: p } : classOf(cls) ? { class: classOf(cls) } : { guidance: 1 };
  };
  /** An anagram's or hybrid's side: its prompt when typed, else its class. */
  const side = (field: string, cls: string, prompt: string) => {
    const p = promptOf(prompt);
    return p ? { [`prompt${field}`]: p } : { [`class${field}`]: classOf(cls) };
  };
  panel({
    kind: 'generate',
    out: 'gen-out',
    run: 'gen-run',
    stop: 'gen-stop',
    body: () => {
      const c = condition('gen-class', 'gen-prompt');
      const negative = promptOf('gen-negative');
      return { ...c, ...(negative && !('guidance' in c) ? { negativePrompt: negative } : {}), n: numberField('gen-n') };
    },
  });

  const sketch = drawingPad($('sketch'), { background: '#000', color: '#fff', size: 22 });
  const sdBrush = $<HTMLInputElement>('sd-brush');
  sdBrush.addEventListener('input', () => sketch.setBrush({ size: Number(sdBrush.value) }));
  $('sd-clear').addEventListener('click', () => sketch.clear());
  const strength = $<HTMLInputElement>('sd-strength');
  strength.addEventListener('input', () => {
    $('sd-strength-out').textContent = strength.value;
  });
  panel({
    kind: 'sdedit',
    out: 'sd-out',
    run: 'sd-run',
    stop: 'sd-stop',
    body: () => ({
      image: sketch.canvas.toDataURL('image/png'),
      strength: Number(strength.value),
      ...condition('sd-class', 'sd-prompt'),
    }),
  });

  const ipImage = $<HTMLCanvasElement>('ip-image');
  const mask = drawingPad($('ip-mask'), { background: '#000', color: '#fff', size: 40 });
  let hasPicture = false;
  const ipBrush = $<HTMLInputElement>('ip-brush');
  ipBrush.addEventListener('input', () => mask.setBrush({ size: Number(ipBrush.value) }));
  $('ip-clear').addEventListener('click', () => mask.clear());
  $<HTMLInputElement>('ip-file').addEventListener('change', async (e) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    const url = URL.createObjectURL(file);
    try {
      await drawImage(ipImage, url);
      hasPicture = true;
    } catch (err) {
      status((err as Error).message);
    } finally {
      URL.revokeObjectURL(url);
    }
  });
  $('ip-use-last').addEventListener('click', async () => {
    if (!lastImage) return status('no result yet: generate something first');
    await drawImage(ipImage, lastImage);
    hasPicture = true;
  });
  panel({
    kind: 'inpaint',
    out: 'ip-out',
    run: 'ip-run',
    stop: 'ip-stop',
    body: () => {
      if (!hasPicture)
        throw new Error('choose a picture (or use the last result) first, then brush the region to regenerate');
      return {
        image: ipImage.toDataURL('image/png'),
        mask: mask.canvas.toDataURL('image/png'),
        ...condition('ip-class', 'ip-prompt'),
      };
    },
  });

  const viewSelect = $<HTMLSelectElement>('an-view');
  panel({
    kind: 'anagram',
    out: 'an-out',
    run: 'an-run',
    stop: 'an-stop',
    body: () => ({ ...side('A', 'an-a', 'an-a-prompt'), ...side('B', 'an-b', 'an-b-prompt'), view: viewSelect.value }),
    secondView: () => `view-${viewSelect.value}`,
  });
  panel({
    kind: 'hybrid',
    out: 'hy-out',
    run: 'hy-run',
    stop: 'hy-stop',
    body: () => ({ ...side('High', 'hy-high', 'hy-high-prompt'), ...side('Low', 'hy-low', 'hy-low-prompt') }),
    secondView: () => 'view-blur',
  });

  // The forward process: 21 noise levels of the last result in one request; the slider scrubs through them.
  const tSlider = $<HTMLInputElement>('fw-t');
  let strip: { t: number; image: string }[] = [];
  const showT = () => {
    const f = strip[Number(tSlider.value)];
    if (!f) return;
    $('fw-t-out').textContent = String(f.t);
    void drawImage($('fw-canvas'), f.image, 'natural');
  };
  tSlider.addEventListener('input', showT);
  $('fw-load').addEventListener('click', async () => {
    if (!lastImage) return status('no result yet: generate something first');
    const tMax = m.schedule.tMax;
    const times = Array.from({ length: 21 }, (_, i) => (i * tMax) / 20);
    try {
      const r = await runJob('forward', { image: lastImage, times, seed: Number($<HTMLInputElement>('seed').value) });
      strip = r.forward ?? [];
      tSlider.disabled = false;
      tSlider.max = String(strip.length - 1);
      showT();
      status(r.summary);
    } catch (e) {
      status(`error: ${(e as Error).message}`);
    }
  });
}

getInfo().then(setup, (e: Error) => status(`cannot reach the server: ${e.message}`));
