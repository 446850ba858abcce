import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The desktop shell loads `ui/dist` (Tauri `frontendDist: "../ui/dist"`).
// Output must run under a strict CSP: no inline scripts, no eval, no inline <style>.
export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  base: './',
  clearScreen: false,
  server: { host: '127.0.0.1', port: 1420, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Keep every style in the CSS file; never inline small assets as data: URIs in JS/CSS
    // beyond what img-src data: already allows.
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  resolve: mode === 'test' ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
    restoreMocks: true,
  },
}));
