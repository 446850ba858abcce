#!/usr/bin/env node
// End-to-end test of the desktop app's first run against a separate upstream: the real
// Tauri binary in a real WebKitGTK window (tauri-driver + WebKitWebDriver) and a real
// `entrada hub` process on 127.0.0.1.
//
// 1. A hub with a 3,000-attendee event and its own client credentials.
// 2. The app on a fresh data folder (first run, no demo), badges fed from image files.
// 3. Connect form: a wrong secret and a closed port give plain-words errors; the right
//    credentials -> event -> checkpoint -> first pull with a progress bar -> door mode.
// 4. A badge -> green banner with the name; the reading reaches the hub exactly once.
// 5. The hub is killed -> the sync badge says offline; a badge is still accepted and waits
//    in the backlog; the hub comes back on the same port and database -> the app goes
//    online by itself, the backlog drains, the hub holds that reading exactly once.
// 6. The app restarts on the same data folder -> straight into door mode on the same
//    checkpoint, syncing with the stored (sealed) secret: a third badge reaches the hub.
// 7. A second device against a plain Access API (`entrada hub --plain`: no Entrada
//    extensions): connect, full pull of the event's active attendees, a badge -> green
//    banner -> exactly one access recorded by the API.
//
// On failure: a screenshot and the app's and the hub's log tails, and the work folder is
// kept. Needs what run.mjs needs (scripts/e2e-desktop.sh builds and runs both).

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { APP, CLI, Session, WAIT_MS, driverReady, removeWorkDir, sleep, startDriver, waitUntil } from './webdriver.mjs';

// Enough for the progress bar to move through several reports; the demo generator makes
// the first people of any size the same, so badges come from a small run.
const ATTENDEES = 3000;
const CLIENT_ID = 'door-e2e';
const CLIENT_SECRET = 'e2e-secret-7Qm2';
const CHECKPOINT = 'cp-main-entrance';
const started = Date.now();
const log = (...a) => console.log(`[e2e-connect +${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'entrada-e2e-connect-'));
const badges = join(work, 'badges');
// One folder per app session: images already in the folder play again at start.
let frames = null;
let data = join(work, 'data');
const hubDb = join(work, 'hub.db');
const snapshotPath = join(work, 'snapshot.json');

execFileSync(CLI, ['demo', '--db', join(work, 'event.db'), '--attendees', String(ATTENDEES), '--snapshot', snapshotPath], { stdio: 'ignore' });
execFileSync(CLI, ['demo', '--db', join(work, 'badges.db'), '--attendees', '10', '--badges', badges], { stdio: 'ignore' });
const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8'));
const EVENT = snapshot.event;
const person = (i) => snapshot.attendance[i].attendee;
// Fixed people of the demo (crates/entrada-demo/src/lib.rs) who may pass the main
// entrance: 0 a speaker, 1 a VIP, 2 staff (3 is banned there).
const ONLINE = person(0);
const OFFLINE = person(2);
const AFTER_RESTART = person(1);

let seq = 0;
/** "Hold a badge up to the camera": atomically drop its PNG into the watched folder. */
function feed(attendee) {
  seq += 1;
  const name = `${String(seq).padStart(4, '0')}-${attendee.id}.png`;
  const tmp = join(frames, `.${name}.part`);
  copyFileSync(join(badges, `${attendee.id}.png`), tmp);
  renameSync(tmp, join(frames, name));
}

/** A loopback port nothing listens on (bound, then released). */
function closedPort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/** The last lines of a process's output, for the failure report. */
class Tail {
  constructor(file, keep = 80) {
    this.lines = [];
    this.keep = keep;
    this.out = createWriteStream(file);
  }
  push(chunk) {
    this.out.write(chunk);
    for (const line of String(chunk).split('\n')) {
      if (!line) continue;
      this.lines.push(line);
      if (this.lines.length > this.keep) this.lines.shift();
    }
  }
  text() {
    return this.lines.join('\n');
  }
}

// ---------------------------------------------------------------------------------------
// The hub: a separate `entrada hub` process
// ---------------------------------------------------------------------------------------

const hubLog = new Tail(join(work, 'hub.log'));
let hub = null;
let hubUrl = null;

/** Starts the hub (port 0 = a free one) and resolves once it prints "listening on".
 *  `plain`: only the documented Access API, as a third-party upstream would offer. */
function startHub(port, importSnapshot, { db = hubDb, plain = false } = {}) {
  const args = ['hub', '--db', db, '--listen', `127.0.0.1:${port}`, '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET];
  if (importSnapshot) args.push('--import', snapshotPath);
  if (plain) args.push('--plain');
  const child = spawn(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  hub = child;
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the hub did not print "listening on"')), WAIT_MS);
    child.stderr.on('data', (d) => hubLog.push(d));
    let out = ''; // a line may arrive in pieces
    child.stdout.on('data', (d) => {
      hubLog.push(d);
      out += String(d);
      const m = /listening on (http:\/\/\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1].replace(/\/$/, ''));
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`the hub exited before listening (code ${code}, signal ${signal})`));
    });
  });
}

async function killHub() {
  const child = hub;
  hub = null;
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((ok) => child.once('exit', ok));
  // SIGKILL: the network goes away mid-whatever, no goodbye (a power cut at the server).
  child.kill('SIGKILL');
  await gone;
}

async function hubToken() {
  const res = await fetch(`${hubUrl}/oauth/v2/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'client_credentials', scope: 'event_admin' }),
  });
  assert.equal(res.status, 200, `hub token: HTTP ${res.status}`);
  return (await res.json()).access_token;
}

/** Every reading the hub holds for the event (its readings feed, all pages). */
async function hubReadings() {
  const token = await hubToken();
  const all = [];
  let since = '0';
  for (;;) {
    const res = await fetch(`${hubUrl}/event/${EVENT.id}/readings?since=${since}&limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200, `hub readings: HTTP ${res.status}`);
    const page = await res.json();
    all.push(...page.readings);
    if (!page.more || !page.next) return all;
    since = page.next;
  }
}

/** Accepted accesses of `attendee` a plain Access API recorded. The API has no endpoint
 *  that lists them, so the test reads the hub's SQLite file (read-only, through Python's
 *  sqlite3, which `make test` has anyway). It stores each `POST /checkpoint/<id>/accesses`
 *  as a `manual` reading: the API is not told a camera read the badge. */
function plainAccesses(db, attendee) {
  const out = execFileSync('python3', ['-c', `
import sqlite3, sys
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
print(c.execute("SELECT count(*) FROM readings WHERE attendee_id = ? AND kind = 'manual' AND accepted = 1", (sys.argv[2],)).fetchone()[0])
`, db, attendee.id]);
  return Number(String(out).trim());
}

const readingsOf = (list, attendee) => list.filter((r) => r.attendee_id === attendee.id && r.kind !== 'undo');

/** Waits until the hub holds a reading of `attendee`, then checks it holds exactly one. */
async function expectOnHub(attendee) {
  const list = await waitUntil(async () => {
    const all = await hubReadings();
    return readingsOf(all, attendee).length > 0 ? all : null;
  }, `${attendee.name}'s reading on the hub`);
  const mine = readingsOf(list, attendee);
  assert.equal(mine.length, 1, `the hub holds ${mine.length} readings of ${attendee.name}: ${JSON.stringify(mine)}`);
  assert.equal(mine[0].checkpoint_id, CHECKPOINT);
  return mine[0];
}

// ---------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------

const appLog = new Tail(join(work, 'app.log'), 120);
let session = null;

async function startApp(name) {
  frames = join(work, name);
  mkdirSync(frames);
  session = await Session.start(APP, ['--data-dir', data, '--frames', frames, '--fps', '10']);
  return session;
}

async function endApp() {
  const s = session;
  session = null;
  if (s) await s.end();
}

async function waitVerdict(s, state, readingBefore) {
  return waitUntil(async () => {
    const el = await s.find(`[data-testid="verdict-banner"][data-state="${state}"]`);
    return el && (await s.attr(el, 'data-reading')) !== readingBefore ? el : null;
  }, `a ${state} banner`);
}

/** The sync badge as the door staff sees it. */
async function syncBadge(s) {
  return s.exec(`const b = document.querySelector('[data-testid="sync-badge"]');
    if (!b) return null;
    const backlog = b.querySelector('[data-testid="backlog"]');
    return { offline: b.dataset.online === 'false' && b.classList.contains('offline'),
             online: b.dataset.online === 'true', count: b.dataset.backlog === undefined ? null : Number(b.dataset.backlog),
             text: b.textContent.replace(/\\s+/g, ' ').trim(), backlog: backlog ? backlog.textContent.trim() : null };`);
}

/** A message for people: no stack trace, no JSON, no Rust or JS error names. */
function assertPlainWords(text) {
  assert.ok(text && text.length > 10, `an error message is shown: ${JSON.stringify(text)}`);
  assert.doesNotMatch(text, /[{}[\]]|"\w+"\s*:|\bat \S+ \(|stack|panicked|Error:|reqwest|hyper|os error/i, `plain words: ${text}`);
}

async function connectWith(s, url, secret) {
  await s.fill('[data-testid="upstream-url"]', url);
  await s.fill('[data-testid="client-id"]', CLIENT_ID);
  await s.fill('[data-testid="client-secret"]', secret);
  await s.clickOn('[data-testid="connect"]');
}

/** The connect form's error once the attempt is over (the button is enabled again), and
 *  not the one a previous attempt left on screen. */
async function connectError(s, previous = null) {
  return waitUntil(async () => {
    const busy = await s.exec(`const b = document.querySelector('[data-testid="connect"]'); return !b || b.disabled;`);
    if (busy) return null;
    const err = await s.exec(`const e = document.querySelector('[data-testid="connect-error"]');
      if (!e) return null;
      const strong = e.querySelector('strong');
      return { headline: strong ? strong.textContent.trim() : '', visible: e.innerText.replace(/\\s+/g, ' ').trim() };`);
    return err && err.visible !== previous?.visible ? err : null;
  }, 'a connect error');
}

// Records every state of the pull's progress bar as the DOM shows it, so the test sees the
// bar move even when the pull is faster than a WebDriver round trip.
const RECORD_PROGRESS = `
  window.__pull = [];
  const record = () => {
    const bar = document.querySelector('[data-testid="pull-progress"] [role="progressbar"]');
    if (!bar) return;
    const row = document.querySelector('[data-testid="pull-progress"] .row');
    const v = { pct: Number(bar.getAttribute('aria-valuenow')), row: row ? row.textContent.replace(/\\s+/g, ' ').trim() : '' };
    const last = window.__pull[window.__pull.length - 1];
    if (!last || last.pct !== v.pct || last.row !== v.row) window.__pull.push(v);
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });`;

const num = (s) => Number(String(s).replace(/[^\d]/g, ''));

// ---------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------

const driver = startDriver({
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, NO_COLOR: '1' }, // the app's log tail, readable in a CI log
});
driver.stdout.on('data', (d) => appLog.push(d));
driver.stderr.on('data', (d) => appLog.push(d));
let failed = false;
try {
  await driverReady();

  // --- 1. The upstream ------------------------------------------------------------------
  hubUrl = await startHub(0, true);
  const hubPort = Number(new URL(hubUrl).port);
  log('hub listening on', hubUrl, `(${snapshot.attendance.length} attendees)`);

  // --- 2. First run -----------------------------------------------------------------------
  let s = await startApp('frames-first-run');
  await s.waitFor('[data-testid="upstream-url"]', 'the first-run connect form');
  assert.equal(await s.find('[data-testid="verdict-banner"]'), null, 'a fresh device starts in setup');

  // --- 3. Connect -------------------------------------------------------------------------
  await connectWith(s, hubUrl, 'not-the-secret');
  let err = await connectError(s);
  log('wrong secret:', err.visible);
  assert.match(err.headline, /client ID or secret is wrong/);
  assertPlainWords(err.visible);

  const closed = await closedPort();
  await connectWith(s, `http://127.0.0.1:${closed}`, CLIENT_SECRET);
  err = await connectError(s, err);
  log('closed port:', err.visible);
  assert.match(err.headline, /could not be reached/);
  assertPlainWords(err.visible);

  await connectWith(s, hubUrl, CLIENT_SECRET);
  await s.waitFor('[data-testid="event-choice"]', 'the event list');
  const events = await s.textOf('.choices');
  assert.match(events, new RegExp(EVENT.name));
  await s.clickOn('[data-testid="event-choice"]');
  await s.waitFor('[data-testid="checkpoint-choice"]', 'the checkpoint list');
  const cps = await s.exec(`return [...document.querySelectorAll('[data-testid="checkpoint-choice"] strong')].map((e) => e.textContent.trim());`);
  assert.deepEqual([...cps].sort(), snapshot.checkpoints.map((c) => c.name).sort());

  await s.exec(RECORD_PROGRESS);
  const cpIndex = cps.indexOf(snapshot.checkpoints.find((c) => c.id === CHECKPOINT).name);
  await s.exec(`document.querySelectorAll('[data-testid="checkpoint-choice"]')[arguments[0]].click();`, [cpIndex]);
  await s.waitFor('[data-testid="pull-done"]', 'the end of the first pull');
  const trace = await s.exec('return window.__pull;');
  log('progress bar:', trace.map((p) => `${p.pct}%`).join(' '));
  assert.ok(trace.length >= 3, `the bar moved through several states: ${JSON.stringify(trace)}`);
  assert.ok(trace.some((p) => p.pct > 0 && p.pct < 100), `an intermediate state: ${JSON.stringify(trace)}`);
  for (let i = 1; i < trace.length; i++) assert.ok(trace[i].pct >= trace[i - 1].pct, `never backwards: ${JSON.stringify(trace)}`);
  const bar = await s.exec(`return document.querySelector('[data-testid="pull-progress"] [role="progressbar"]').getAttribute('aria-valuenow');`);
  assert.equal(bar, '100');
  const row = await s.textOf('[data-testid="pull-progress"] .row');
  assert.match(row, /Done/);
  const [done, total] = (await s.textOf('[data-testid="pull-count"]')).split('/').map(num);
  assert.equal(done, ATTENDEES, row);
  assert.equal(total, ATTENDEES, row);
  const ready = await s.textOf('[data-testid="pull-done"]');
  assert.equal(num(ready), ATTENDEES, ready);
  log('pulled:', ready);

  await s.clickOn('[data-testid="start-door"]');
  await s.waitFor('[data-testid="verdict-banner"][data-state="idle"]', 'door mode');
  assert.match(await s.textOf('[data-testid="where"]'), /Main entrance/);
  const online = await waitUntil(async () => {
    const b = await syncBadge(s);
    return b && b.online && /Online/.test(b.text) ? b : null;
  }, 'the sync badge online');
  log('door mode, sync badge:', online.text);

  // --- 4. A scan reaches the hub exactly once --------------------------------------------
  feed(ONLINE);
  let banner = await waitVerdict(s, 'accepted', null);
  assert.equal(await s.textOf('[data-testid="attendee-name"]'), ONLINE.name);
  const firstReading = await s.attr(banner, 'data-reading');
  const onHub = await expectOnHub(ONLINE);
  log('accepted', ONLINE.name, '-> on the hub as', onHub.id);
  assert.equal(onHub.id, firstReading, 'the hub holds the reading the door made');

  // --- 5. Offline and back ---------------------------------------------------------------
  await killHub();
  const killedAt = Date.now();
  log('hub killed');
  const off = await waitUntil(async () => {
    const b = await syncBadge(s);
    return b && b.offline && /Offline/.test(b.text) ? b : null;
  }, 'the sync badge offline');
  log(`sync badge: ${off.text} (${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill)`);

  feed(OFFLINE);
  banner = await waitVerdict(s, 'accepted', firstReading);
  assert.equal(await s.textOf('[data-testid="attendee-name"]'), OFFLINE.name);
  const offlineReading = await s.attr(banner, 'data-reading');
  const waiting = await waitUntil(async () => {
    const b = await syncBadge(s);
    return b && b.offline && b.backlog ? b : null;
  }, 'the backlog count');
  assert.equal(num(waiting.backlog), 1, waiting.backlog);
  assert.equal(waiting.count, 1);
  log('accepted offline, badge:', waiting.text);

  hubUrl = await startHub(hubPort, false);
  log('hub back on', hubUrl);
  const back = await waitUntil(async () => {
    const b = await syncBadge(s);
    return b && b.online && b.count === 0 && b.backlog === null && /Online/.test(b.text) ? b : null;
  }, 'the app online again with an empty backlog');
  log('sync badge:', back.text);
  const drained = await expectOnHub(OFFLINE);
  assert.equal(drained.id, offlineReading);
  assert.equal(readingsOf(await hubReadings(), ONLINE).length, 1, 'the first reading is still there once');

  // --- 6. Restart: remembered, no secret asked -------------------------------------------
  await endApp();
  log('app restarted');
  s = await startApp('frames-restart');
  await s.waitFor('[data-testid="verdict-banner"][data-state="idle"]', 'door mode after a restart');
  assert.equal(await s.find('[data-testid="upstream-url"]'), null, 'no connect form after a restart');
  assert.match(await s.textOf('[data-testid="where"]'), /Main entrance/);
  await waitUntil(async () => {
    const b = await syncBadge(s);
    return b && b.online && /Online/.test(b.text) ? b : null;
  }, 'the sync badge online after a restart');
  feed(AFTER_RESTART);
  banner = await waitVerdict(s, 'accepted', null);
  assert.equal(await s.textOf('[data-testid="attendee-name"]'), AFTER_RESTART.name);
  const third = await expectOnHub(AFTER_RESTART);
  assert.equal(third.id, await s.attr(banner, 'data-reading'));
  const all = await hubReadings();
  for (const p of [ONLINE, OFFLINE, AFTER_RESTART]) assert.equal(readingsOf(all, p).length, 1, p.name);
  log(`${all.length} readings on the hub`);

  // --- 7. A second device against a plain Access API -------------------------------------
  await endApp();
  await killHub();
  const plainDb = join(work, 'plain.db');
  hubUrl = await startHub(0, true, { db: plainDb, plain: true });
  log('plain Access API on', hubUrl);
  data = join(work, 'data-plain');
  s = await startApp('frames-plain');
  await s.waitFor('[data-testid="upstream-url"]', 'the connect form on the second device');
  await connectWith(s, hubUrl, CLIENT_SECRET);
  await s.waitFor('[data-testid="event-choice"]', 'the event list from the plain API');
  await s.clickOn('[data-testid="event-choice"]');
  await s.waitFor('[data-testid="checkpoint-choice"]', 'the checkpoint list from the plain API');
  const plainCps = await s.exec(`return [...document.querySelectorAll('[data-testid="checkpoint-choice"] strong')].map((e) => e.textContent.trim());`);
  const plainIndex = plainCps.indexOf(snapshot.checkpoints.find((c) => c.id === CHECKPOINT).name);
  assert.ok(plainIndex >= 0, `the main entrance is offered: ${JSON.stringify(plainCps)}`);
  await s.exec(`document.querySelectorAll('[data-testid="checkpoint-choice"]')[arguments[0]].click();`, [plainIndex]);
  await s.waitFor('[data-testid="pull-done"]', 'the end of the pull from the plain API');
  // The plain API lists the event's active attendees only (access-api.txt).
  const active = snapshot.attendance.filter((t) => t.attendee.active).length;
  assert.ok(active < ATTENDEES, 'the demo has inactive attendees');
  const plainReady = await s.textOf('[data-testid="pull-done"]');
  assert.equal(num(plainReady), active, plainReady);
  log('pulled from the plain API:', plainReady);
  await s.clickOn('[data-testid="start-door"]');
  await s.waitFor('[data-testid="verdict-banner"][data-state="idle"]', 'door mode on the plain API');
  assert.ok(ONLINE.active, 'the badge belongs to an active attendee');
  feed(ONLINE);
  banner = await waitVerdict(s, 'accepted', null);
  assert.equal(await s.textOf('[data-testid="attendee-name"]'), ONLINE.name);
  await waitUntil(async () => (plainAccesses(plainDb, ONLINE) > 0 ? true : null), 'the access on the plain API');
  await waitUntil(async () => {
    const b = await syncBadge(s);
    return b && b.count === 0 && b.backlog === null ? b : null;
  }, 'an empty backlog on the second device');
  assert.equal(plainAccesses(plainDb, ONLINE), 1, 'exactly one access on the plain API');
  log('accepted', ONLINE.name, '-> one access on the plain API');
  log('all good');
} catch (e) {
  failed = true;
  console.error('[e2e-connect] FAILED:', e);
  if (session) {
    const path = join(work, 'failure.png');
    await session.screenshot(path).then(() => console.error(`[e2e-connect] screenshot: ${path}`), () => {});
    const body = await session.exec('return document.body.innerText;').catch(() => null);
    if (body) console.error(`[e2e-connect] the window showed:\n${body}`);
  }
  console.error(`[e2e-connect] app log (tail):\n${appLog.text()}`);
  console.error(`[e2e-connect] hub log (tail):\n${hubLog.text()}`);
} finally {
  await endApp().catch(() => {});
  await killHub().catch(() => {});
  driver.kill();
  if (!failed) removeWorkDir(work);
  else console.error(`[e2e-connect] work dir kept: ${work}`);
}
process.exit(failed ? 1 : 0);
