// `difflab model`: describe a network preset: its resolved config, and with --summary its parameter count and
// the output shape of every block.
import { buildNetwork, presetConfig, presetNames, summary } from '../../index.js';
import { UsageError, num, oneOf, type Command } from '../command.js';
import { MAX_IMAGE_SIZE, imageJobBytes, requireMemory } from '../limits.js';

export const model: Command = {
  name: 'model',
  summary: 'print a network preset: config, parameter count, per-block shapes',
  usage: '[--preset NAME] [--summary] [--channels 1|3] [--size N] [--batch N]',
  options: {
    preset: { type: 'string', help: `network preset (${presetNames.join('|')})`, default: 'default' },
    summary: { type: 'boolean', help: 'trace one forward pass: parameter count and the shape after each block' },
    channels: { type: 'string', help: 'image channels, 1 or 3 (overrides the preset)' },
    size: { type: 'string', help: 'image height and width for the summary', default: '28' },
    batch: { type: 'string', help: 'batch size shown in the summary shapes', default: '1' },
  },
  run(v) {
    const name = oneOf(v.preset, 'preset', presetNames, 'default');
    const traceOnly = ['batch', ...(name === 'classicUNet' ? [] : ['size'])].find((k) => v[k] !== undefined);
    if (traceOnly && v.summary !== true) throw new UsageError(`--${traceOnly} applies to --summary only`);
    const size = num(v.size, 'size', 28, { min: 1, max: MAX_IMAGE_SIZE, integer: true });
    const batch = num(v.batch, 'batch', 1, { min: 1, integer: true });
    const overrides =
      v.channels === undefined ? {} : { imageChannels: Number(oneOf(v.channels, 'channels', ['1', '3'])) };
    const config = presetConfig(name, { ...overrides, ...(name === 'classicUNet' ? { imageSize: size } : {}) });
    console.log(`preset ${name}: ${JSON.stringify(config)}`);
    if (v.summary !== true) return 0;
    requireMemory(
      `--batch ${batch} at --size ${size}`,
      imageJobBytes({ count: batch, batch, imageShape: [config.imageChannels, size, size], scale: 1 }),
    );
    const net = buildNetwork(config, { memoryFormat: 'contiguous' });
    try {
      console.log(summary(net, [batch, config.imageChannels, size, size]).text);
    } finally {
      net.dispose();
    }
    return 0;
  },
};
