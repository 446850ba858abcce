// UI measurements for docs/benchmarks.md (## UI): bundle size, cold start to a usable door
// screen, and scan-result event to banner on screen. Run: `npm run bench` (builds first).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST, launch, mockBundle, openPage, startServer } from './harness.mjs';

const RUNS = Number(process.env.RUNS ?? 200);

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: q(0.5).toFixed(1), p95: q(0.95).toFixed(1), max: s[s.length - 1].toFixed(1) };
}

const assets = join(DIST, 'assets');
let raw = 0;
let gz = 0;
for (const f of await readdir(assets)) {
  const body = await readFile(join(assets, f));
  raw += body.length;
  gz += gzipSync(body).length;
}
console.log(`bundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gz / 1024).toFixed(1)} KiB gzip (js+css)`);

const [server, mock, browser] = await Promise.all([startServer(), mockBundle(), launch()]);
try {
  const loads = [];
  for (let i = 0; i < 7; i++) {
    const { page, context } = await openPage(browser, server.url, mock, 'mock=door');
    await page.getByTestId('verdict-banner').waitFor();
    // Time the banner first appeared, minus the fake backend's own setup (not in production).
    loads.push(await page.evaluate(() => window.__bannerAt - (window.__mockSetupMs ?? 0)));
    await context.close();
  }
  console.log(`cold start: navigation start -> door banner in DOM (ms, fake backend setup excluded):`, stats(loads));

  const { page } = await openPage(browser, server.url, mock, 'mock=door&attendees=100000&nocamera');
  await page.getByTestId('verdict-banner').waitFor();
  const result = await page.evaluate(async (runs) => {
    const fake = window.__entradaMock;
    const payloads = ['ENTRADA-TOM-0002', 'NOT-A-BADGE', 'ENTRADA-IRENE-0003', 'ENTRADA-ANA-0001'];
    const dom = [];
    const frame = [];
    for (let i = 0; i < runs; i++) {
      // simulateScan judges synchronously (the fake's linear lookup is not what we measure)
      // and emits scan-result asynchronously: t0 is the moment the event is on its way.
      const { readingId } = fake.simulateScan(payloads[i % payloads.length]);
      const t0 = performance.now();
      await new Promise((resolve) => {
        const seen = () => document.querySelector(`[data-reading="${readingId}"]`);
        if (seen()) return resolve();
        const obs = new MutationObserver(() => {
          if (seen()) {
            obs.disconnect();
            resolve();
          }
        });
        obs.observe(document.body, { childList: true, subtree: true, attributes: true });
      });
      dom.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(() => r()));
      frame.push(performance.now() - t0);
    }
    return { dom, frame };
  }, RUNS);
  console.log(`scan-result -> banner in DOM (ms, ${RUNS} scans, 100,000 attendees, no camera frames):`, stats(result.dom));
  console.log(`scan-result -> next frame (ms):`, stats(result.frame));
} finally {
  await browser.close();
  await server.close();
}
