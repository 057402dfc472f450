// Renderer build: src/renderer → dist/renderer, relative asset URLs so both file-less Electron
// loading (facet-app://) and the browser-mode server can serve it.
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src/renderer', import.meta.url)),
  base: './',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // One small app: no need for a modulepreload polyfill (it would be an inline script).
    modulePreload: { polyfill: false },
  },
});
