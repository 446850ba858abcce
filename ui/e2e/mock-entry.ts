/**
 * Init script for the Chromium flows: installs the fake backend behind Tauri's IPC
 * before the production bundle runs. Bundled by `e2e/harness.mjs` with esbuild; it is
 * never part of `dist/`.
 */
import { installMock, optionsFromQuery } from '../src/mock/install';

if (new URLSearchParams(location.search).has('mock')) {
  installMock(optionsFromQuery(location.search));
}
