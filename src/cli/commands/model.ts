// `difflab model`: describe a network preset: its resolved config, and with --summary its parameter count and
// the output shape of every block.
import { buildNetwork, presetConfig, presetNames, summary, type PresetName } from '../../index.js';
import { UsageError, num, oneOf, type Command } from '../command.js';
import { MAX_IMAGE_SIZE, imageJobBytes, requireMemory } from '../limits.js';

/** What `difflab model` shows when an option is left out: the default preset, one 28 px image. */
const modelDefaults = { preset: 'default' as PresetName, size: 28, batch: 1 };

/** The options as the command's settings (defaults: modelDefaults; --channels: the preset's own). */
export function readModelSettings(v: Record<string, unknown>) {
  const d = modelDefaults;
  const preset = oneOf(v.preset, 'preset', presetNames, d.preset);
  const summary = v.summary === true;
  const traceOnly = ['batch', ...(preset === 'classicUNet' ? [] : ['size'])].find((k) => v[k] !== undefined);
  if (traceOnly && !summary) throw new UsageError(`--${traceOnly} applies to --summary only`);
  const size = num(v.size, 'size', d.size, { min: 1, max: MAX_IMAGE_SIZE, integer: true });
  const batch = num(v.batch, 'batch', d.batch, { min: 1, integer: true });
  const channels = v.channels === undefined ? null : Number(oneOf(v.channels, 'channels', ['1', '3']));
  return { preset, summary, size, batch, channels };
}

export const model: Command = {
  name: 'model',
  summary: 'print a network preset: config, parameter count, per-block shapes',
  usage: '[--preset NAME] [--summary] [--channels 1|3] [--size N] [--batch N]',
  options: {
    preset: { type: 'string', help: `network preset (${presetNames.join('|')})`, default: modelDefaults.preset },
    summary: { type: 'boolean', help: 'trace one forward pass: parameter count and the shape after each block' },
    channels: { type: 'string', help: 'image channels, 1 or 3 (overrides the preset)' },
    size: { type: 'string', help: 'image height and width for the summary', default: String(modelDefaults.size) },
    batch: { type: 'string', help: 'batch size shown in the summary shapes', default: String(modelDefaults.batch) },
  },
  run(v) {
    const s = readModelSettings(v);
    const config = presetConfig(s.preset, {
      ...(s.channels === null ? {} : { imageChannels: s.channels }),
      ...(s.preset === 'classicUNet' ? { imageSize: s.size } : {}),
    });
    console.log(`preset ${s.preset}: ${JSON.stringify(config)}`);
    if (!s.summary) return 0;
    const imageShape: [number, number, number] = [config.imageChannels, s.size, s.size];
    requireMemory(
      `--batch ${s.batch} at --size ${s.size}`,
      imageJobBytes({ count: s.batch, batch: s.batch, imageShape, scale: 1 }),
    );
    const net = buildNetwork(config, { memoryFormat: 'contiguous' });
    try {
      console.log(summary(net, [s.batch, ...imageShape]).text);
    } finally {
      net.dispose();
    }
    return 0;
  },
};
