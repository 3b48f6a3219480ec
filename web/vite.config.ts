// Builds the playground page (web/) into dist/web, where `difflab serve` reads it from.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: { outDir: fileURLToPath(new URL('../dist/web', import.meta.url)), emptyOutDir: true, assetsInlineLimit: 0 },
  logLevel: 'warn',
});
