import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';

async function boot(): Promise<void> {
  // Start-up marks, read by the desktop benchmark (tests/e2e-desktop/bench.mjs).
  performance.mark('boot');
  // Development only: `npm run dev` then open /?mock=door to run without the Rust shell.
  // `import.meta.env.DEV` is false in `vite build`, so this branch and the fake backend
  // are dropped from the production bundle.
  if (import.meta.env.DEV && new URLSearchParams(location.search).has('mock')) {
    const { installMock, optionsFromQuery } = await import('./mock/install');
    installMock(optionsFromQuery(location.search));
  }
  const target = document.getElementById('app');
  if (target) mount(App, { target });
}

void boot();
