// The part of gifenc (no bundled types) that io/gif.ts uses.
declare module 'gifenc' {
  export type Palette = number[][];
  export interface GifWriteFrameOptions {
    palette?: Palette;
    delay?: number;
    repeat?: number;
    first?: boolean;
  }
  export interface GifEncoderInstance {
    writeFrame(index: Uint8Array, width: number, height: number, o?: GifWriteFrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  // The package is CommonJS: under Node ESM only its default export exists.
  const gifenc: {
    GIFEncoder(): GifEncoderInstance;
    quantize(rgba: Uint8Array, maxColors: number): Palette;
    applyPalette(rgba: Uint8Array, palette: Palette): Uint8Array;
  };
  export default gifenc;
}
