/**
 * Init script for the Chromium flows: installs the fake backend behind Tauri's IPC
 * before the production bundle runs. Bundled by `e2e/harness.mjs` with esbuild; it is
 * never part of `dist/`.
 */
import { installMock, optionsFromQuery } from '../src/mock/install';

declare global {
  interface Window {
    __mockSetupMs?: number;
  }
}

if (new URLSearchParams(location.search).has('mock')) {
  const t0 = performance.now();
  installMock(optionsFromQuery(location.search));
  window.__mockSetupMs = performance.now() - t0;
}
