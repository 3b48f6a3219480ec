// Files in and out: safetensors, atomic writes.
export * from './atomic.js';
export * from './safetensors.js';
export * from './png.js';
export * from './decode-image.js';
export * from './image-header.js';
export * from './npy.js';
export * from './plot.js';
export * from './gif.js';
export * from './font.js';
export * from './labels.js';
export * from './sharp-image.js';
export * from './picture-file.js';
