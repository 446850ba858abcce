// Test harness for the Chromium flows: a static server for `dist/` with the production
// CSP, the mock IPC bundle, and a browser launcher for the system Chromium.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const DIST = join(here, '..', 'dist');

/** The CSP the Tauri shell must set (see docs/ipc.md); the flows fail on any violation. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ipc: http://ipc.localhost",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export async function startServer() {
  await stat(join(DIST, 'index.html')).catch(() => {
    throw new Error('ui/dist is missing: run `npm run build` first (npm run test:e2e does).');
  });
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(DIST, path === '/' ? 'index.html' : path);
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

export async function mockBundle() {
  const out = await build({
    entryPoints: [join(here, 'mock-entry.ts')],
    bundle: true,
    format: 'iife',
    write: false,
    target: 'es2022',
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

const CSP_PROBE = `
  window.__cspViolations = [];
  new MutationObserver((_, obs) => {
    if (document.querySelector('[data-testid=verdict-banner]')) {
      window.__bannerAt = performance.now();
      obs.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`;

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** A fresh context + page with the mock installed; `locale` drives navigator.language. */
export async function openPage(browser, baseUrl, mockScript, query, { locale = 'en-US', width = 1440, height = 900, colorScheme = 'dark' } = {}) {
  const context = await browser.newContext({
    locale,
    viewport: { width, height },
    deviceScaleFactor: 1,
    colorScheme,
  });
  context.setDefaultTimeout(20_000);
  await context.addInitScript({ content: CSP_PROBE });
  await context.addInitScript({ content: mockScript });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${baseUrl}?${query}`);
  return { context, page, errors };
}

export async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations ?? []);
}
