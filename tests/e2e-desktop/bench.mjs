#!/usr/bin/env node
// Desktop benchmark (docs/benchmarks.md, section "Desktop"). Run under a display, like the
// e2e test:  xvfb-run -a -s "-screen 0 1280x800x24 -noreset" node tests/e2e-desktop/bench.mjs
//
// - Cold start to scan-ready: from asking tauri-driver for a session (which launches the
//   binary) until the door shows its idle banner AND the first camera preview frame (the
//   scanner is running). Baseline: the bare window (`hello-window`) until its <h1> exists.
// - Idle memory: 10 s after ready, the PSS of the app process and all its descendants
//   (WebKit's web and network processes), from /proc/<pid>/smaps_rollup.
// - Frame to banner: for each badge dropped into the --frames folder, the capture time of
//   the frame that carried it (written by the app to ENTRADA_LATENCY_LOG) to the end of
//   the rendering update of the first animation frame after the banner's DOM changed
//   (recorded in the page; the animation frame's start is printed too).
//
// Prints one JSON object; RUNS=N sets the start/memory repetitions (default 5),
// SCANS=N the number of badges (default 30), BUILD=release|debug which cargo profile's
// binaries to run (default debug; both the app and the bare window come from it).
// Besides the three figures it prints where the start goes (marks written by the app to
// ENTRADA_STARTUP_LOG and by the page with performance.mark, in ms after launch) and the
// idle PSS per process kind.

import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PORT_NUMBER, Session, driverReady, removeWorkDir, sleep } from './webdriver.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
const PROFILE = process.env.BUILD ?? process.env.PROFILE ?? 'debug';
const APP = join(TARGET, PROFILE, 'entrada-desktop');
const HELLO = join(TARGET, PROFILE, 'hello-window');
// The CLI only makes the badges (not measured): the same profile if built, else debug.
const CLI = [join(TARGET, PROFILE, 'entrada'), join(TARGET, 'debug/entrada')].find((p) => existsSync(p));
const RUNS = Number(process.env.RUNS ?? 5);
const SCANS = Number(process.env.SCANS ?? 30);
const ATTENDEES = 300;

const work = mkdtempSync(join(tmpdir(), 'entrada-bench-'));
const latencyLog = join(work, 'latency.csv');
const startupLog = join(work, 'startup.csv');
const driver = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', ['--port', String(PORT_NUMBER)], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, ENTRADA_LATENCY_LOG: latencyLog, ENTRADA_STARTUP_LOG: startupLog },
});
const wallNow = () => performance.timeOrigin + performance.now();

/** PIDs of every process whose executable is `exe`, plus all their descendants. */
function processTree(exe) {
  const parents = new Map();
  const roots = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(d), ppid);
      if (readlinkSync(`/proc/${d}/exe`) === exe) roots.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  const tree = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

/** PSS in KiB of each process, with the name of its executable. */
function pssKiB(pids) {
  const out = [];
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      const name = readlinkSync(`/proc/${pid}/exe`).split('/').pop();
      if (m) out.push({ name, kib: Number(m[1]) });
    } catch {
      // exited
    }
  }
  return out;
}

async function startAndMeasure(exe, args, readyCss) {
  const t0 = wallNow();
  const s = await Session.start(exe, args);
  for (const css of readyCss) {
    for (;;) {
      if (await s.find(css)) break;
      await sleep(10);
    }
  }
  const startMs = wallNow() - t0;
  // Where the start went: the page's marks (wall clock through timeOrigin) and the app's.
  const page = await s.exec(`
    const nav = performance.getEntriesByType('navigation')[0];
    const o = performance.timeOrigin;
    const marks = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, o + m.startTime]));
    return { navigationStart: o, domContentLoaded: nav ? o + nav.domContentLoadedEventEnd : null, ...marks };
  `);
  const marks = {};
  for (const [k, v] of Object.entries(page ?? {})) if (typeof v === 'number') marks[`page:${k}`] = v - t0;
  if (existsSync(startupLog)) {
    for (const line of readFileSync(startupLog, 'utf8').trim().split('\n')) {
      const [what, ms] = line.split(',');
      if (what && ms) marks[`app:${what}`] ??= Number(ms) - t0;
    }
    rmSync(startupLog);
  }
  await sleep(10_000);
  const pids = processTree(exe);
  const procs = pssKiB(pids);
  const pss = procs.reduce((a, p) => a + p.kib, 0);
  const byProcess = {};
  for (const p of procs) byProcess[p.name] = (byProcess[p.name] ?? 0) + p.kib / 1024;
  return { s, startMs, marks, pssMiB: pss / 1024, byProcess, processes: pids.length };
}

/** Median of each key over a list of objects. */
function medians(list) {
  const keys = new Set(list.flatMap((o) => Object.keys(o)));
  const out = {};
  for (const k of keys) {
    const v = list.map((o) => o[k]).filter((x) => typeof x === 'number');
    if (v.length) out[k] = round(stats(v)).median;
  }
  return Object.fromEntries(Object.entries(out).sort((a, b) => a[1] - b[1]));
}

const stats = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
  return { n: v.length, median: q(0.5), p95: q(0.95), min: v[0], max: v[v.length - 1] };
};
const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 10) / 10 : v]));

try {
  await driverReady();
  execFileSync(CLI, ['demo', '--db', join(work, 'badges.db'), '--attendees', String(ATTENDEES),
    '--badges', join(work, 'badges'), '--snapshot', join(work, 'snapshot.json')], { stdio: 'ignore' });
  const snapshot = JSON.parse(readFileSync(join(work, 'snapshot.json'), 'utf8'));

  const hello = { start: [], pss: [], byProcess: [], marks: [] };
  const app = { start: [], pss: [], processes: 0, byProcess: [], marks: [] };
  for (let i = 0; i < RUNS; i++) {
    const h = await startAndMeasure(HELLO, [], ['#hello']);
    hello.start.push(h.startMs);
    hello.pss.push(h.pssMiB);
    hello.byProcess.push(h.byProcess);
    hello.marks.push(h.marks);
    await h.s.end();
    await sleep(1000);

    const data = join(work, `data-${i}`);
    const frames = join(work, `frames-${i}`);
    mkdirSync(frames);
    const a = await startAndMeasure(APP, ['--data-dir', data, '--demo', '--demo-attendees', String(ATTENDEES),
      '--frames', frames, '--fps', '15'], ['[data-testid="verdict-banner"][data-state="idle"]', '[data-testid="camera-frame"]']);
    app.start.push(a.startMs);
    app.pss.push(a.pssMiB);
    app.byProcess.push(a.byProcess);
    app.marks.push(a.marks);
    app.processes = a.processes;

    if (i === RUNS - 1) {
      if (process.env.SOUND === 'off') {
        // Verdict sounds off (Settings), to separate WebAudio's cost on a machine without
        // a sound card from the rest of the path.
        await a.s.click(await a.s.findXPath("//nav//button[contains(., 'Settings')]"));
        const box = await a.s.waitFor('[data-testid="sound"]');
        if (await a.s.exec('return document.querySelector(\'[data-testid="sound"]\').checked')) await a.s.click(box);
        await a.s.click(await a.s.waitFor('[data-testid="save-settings"]'));
        await sleep(500);
        await a.s.click(await a.s.findXPath("//nav//button[contains(., 'Door')]"));
        await a.s.waitFor('[data-testid="camera-frame"]');
      }
      // Frame -> banner, on the last app session.
      await a.s.exec(`
        window.__banner = [];
        let last = null;
        new MutationObserver(() => {
          const b = document.querySelector('[data-testid="verdict-banner"]');
          const id = b && b.getAttribute('data-reading');
          if (id && id !== last) {
            last = id;
            const dom = performance.timeOrigin + performance.now();
            // The next animation frame starts the rendering update that carries the change
            // (style, layout, paint); a message posted from it runs once that update is done
            // and the frame has gone to the compositor.
            requestAnimationFrame(() => {
              const raf = performance.timeOrigin + performance.now();
              const ch = new MessageChannel();
              ch.port1.onmessage = () => window.__banner.push([id, dom, raf, performance.timeOrigin + performance.now()]);
              ch.port2.postMessage(0);
            });
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      `);
      const people = snapshot.attendance.slice(10, 10 + SCANS).map((x) => x.attendee);
      for (const [k, p] of people.entries()) {
        const name = `${String(k).padStart(4, '0')}.png`;
        copyFileSync(join(work, 'badges', `${p.id}.png`), join(frames, `.${name}`));
        renameSync(join(frames, `.${name}`), join(frames, name));
        for (let w = 0; w < 200; w++) {
          const n = await a.s.exec('return window.__banner.length');
          if (n > k) break;
          await sleep(20);
        }
      }
      const banner = await a.s.exec('return window.__banner');
      const captured = new Map(
        readFileSync(latencyLog, 'utf8').trim().split('\n').map((l) => l.split(',')).map(([id, cap, ev]) => [id, [Number(cap), Number(ev)]]),
      );
      const toPaint = [];
      const toFrame = [];
      const toDom = [];
      const toEvent = [];
      for (const [id, dom, raf, painted] of banner) {
        const c = captured.get(id);
        if (!c) continue;
        toPaint.push(painted - c[0]);
        toFrame.push(raf - c[0]);
        toDom.push(dom - c[0]);
        toEvent.push(c[1] - c[0]);
      }
      app.frameToBanner = round(stats(toPaint));
      app.frameToAnimationFrame = round(stats(toFrame));
      app.frameToDom = round(stats(toDom));
      app.frameToEvent = round(stats(toEvent));
    }
    await a.s.end();
    await sleep(1000);
  }
  const result = {
    profile: PROFILE,
    runs: RUNS,
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    hello: {
      startMs: round(stats(hello.start)),
      pssMiB: round(stats(hello.pss)),
      pssByProcessMiB: medians(hello.byProcess),
      startMarksMs: medians(hello.marks),
    },
    app: {
      startMs: round(stats(app.start)),
      pssMiB: round(stats(app.pss)),
      pssByProcessMiB: medians(app.byProcess),
      startMarksMs: medians(app.marks),
      processes: app.processes,
      frameToAnimationFrameMs: app.frameToAnimationFrame,
      frameToBannerMs: app.frameToBanner,
      frameToDomMs: app.frameToDom,
      frameToEventMs: app.frameToEvent,
    },
  };
  result.ratios = {
    start: Math.round((result.app.startMs.median / result.hello.startMs.median) * 100) / 100,
    pss: Math.round((result.app.pssMiB.median / result.hello.pssMiB.median) * 100) / 100,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  driver.kill();
  removeWorkDir(work);
}
