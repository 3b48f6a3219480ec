// Files in and out: safetensors, atomic writes.
export * from './atomic.js';
export * from './safetensors.js';
export * from './png.js';
export * from './decode-image.js';
export * from './image-header.js';
export * from './npy.js';
export * from './plot.js';
// The plot's geometry: what a caller or a test may want (the drawing constants stay inside io/).
export {
  LINE_WIDTH,
  logTicks,
  plotLayout,
  segmentHitsBox,
  tickLabels,
  type Curve,
  type PixelBox,
  type PlotLayout,
  type PlotOptions,
  type Tick,
} from './plot-layout.js';
export * from './gif.js';
export * from './font.js';
export * from './labels.js';
export * from './sharp-image.js';
export * from './picture-file.js';
