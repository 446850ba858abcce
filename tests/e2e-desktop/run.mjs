#!/usr/bin/env node
// End-to-end test of the real desktop app: the Tauri binary in a real WebKitGTK window,
// driven through tauri-driver + WebKitWebDriver (plain WebDriver HTTP, no client library).
//
// 1. Door mode on the built-in demo, frames fed from image files (`--frames DIR`):
//    a valid badge -> green banner with the attendee's name and photo (the demo's portraits
//    travel hub -> sync -> photo cache -> door); a refused badge -> red banner
//    with the reason. Dashboard after the scans.
// 2. Kiosk mode started from the command line (`--kiosk --checkpoint ID`, PIN provisioned
//    with `entrada kiosk-pin`): idle, accepted, refused.
// Screenshots go to docs/screenshots/ (SCREENSHOTS=0 to skip writing them).
//
// Needs: target/debug/entrada-desktop and target/debug/entrada built, ui/dist built,
// tauri-driver (scripts/e2e-desktop.sh installs it), WebKitWebDriver, and a display (the
// wrapper script starts Xvfb when there is none).

import { copyFileSync, existsSync, mkdirSync, statSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { APP, CLI, ROOT, Session, WAIT_MS, driverReady, removeWorkDir, sleep, startDriver } from './webdriver.mjs';

const SHOTS = join(ROOT, 'docs/screenshots');
const WRITE_SHOTS = process.env.SCREENSHOTS !== '0';
const ATTENDEES = 300;
const log = (...a) => console.log('[e2e-desktop]', ...a);

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), 'entrada-e2e-'));
const badges = join(work, 'badges');
const frames = join(work, 'frames');
const kioskFrames = join(work, 'kiosk-frames');
const data = join(work, 'data');
mkdirSync(frames);
mkdirSync(kioskFrames);

// The same deterministic demo event the app opens (`--demo --demo-attendees 300`), with
// every badge rendered as a QR PNG.
execFileSync(CLI, ['demo', '--db', join(work, 'badges.db'), '--attendees', String(ATTENDEES),
  '--badges', badges, '--snapshot', join(work, 'snapshot.json')], { stdio: 'ignore' });
const snapshot = JSON.parse(readFileSync(join(work, 'snapshot.json'), 'utf8'));
const person = (i) => snapshot.attendance[i].attendee;
// Fixed people of the demo (crates/entrada-demo/src/lib.rs): 0 a speaker, 1 a VIP,
// 4 rejected the attendance, 5 inactive.
const ACCEPTED = person(0);
const REJECTED = person(4);
const KIOSK_OK = person(1);
const INACTIVE = person(5);

let seq = 0;
/** "Hold a badge up to the camera": atomically drop its PNG into the watched folder. */
function feed(dir, attendee) {
  seq += 1;
  const name = `${String(seq).padStart(4, '0')}-${attendee.id}.png`;
  const tmp = join(dir, `.${name}.part`);
  copyFileSync(join(badges, `${attendee.id}.png`), tmp);
  renameSync(tmp, join(dir, name));
}

/**
 * The demo seeds placeholder portraits on its embedded hub; they reach the door through
 * the real path (change feed, photo pass, cache beside the replica). Waits until this
 * attendee's thumbnail was written into the cache after `since` (file name:
 * crates/entrada-store/src/photos.rs), then a moment for its row, so the scan that
 * follows carries it. A restarted demo hub listens on a new port, so its photo URLs are
 * new and every photo is fetched again: `since` waits for that, not for the old file.
 */
async function waitCachedPhoto(attendee, since) {
  const name = `${createHash('sha256').update(attendee.id).digest('hex').slice(0, 20)}.jpg`;
  const file = join(data, 'replica.db.photos', name);
  const deadline = Date.now() + 60_000;
  while (!existsSync(file) || statSync(file).mtimeMs < since) {
    if (Date.now() > deadline) throw new Error(`no cached photo for ${attendee.name} (${file})`);
    await sleep(100);
  }
  await sleep(500);
}

/** The element's image has really loaded and decoded (not a broken image). */
async function waitImageLoaded(s, selector) {
  const deadline = Date.now() + WAIT_MS;
  let width = 0;
  while (Date.now() < deadline) {
    width = await s.exec(
      `const img = document.querySelector(${JSON.stringify(selector)}); return img && img.complete ? img.naturalWidth : 0;`,
    );
    if (width > 0) return width;
    await sleep(50);
  }
  throw new Error(`${selector} never showed a loaded image`);
}

async function waitVerdict(s, state, readingBefore) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const el = await s.find(`[data-testid="verdict-banner"][data-state="${state}"]`);
    if (el && (await s.attr(el, 'data-reading')) !== readingBefore) return el;
    await sleep(50);
  }
  throw new Error(`no ${state} banner`);
}

// ---------------------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------------------

async function shot(s, name) {
  if (!WRITE_SHOTS) return;
  // Let WebKit paint the new state (software rendering under Xvfb lags the DOM).
  await sleep(800);
  const path = join(SHOTS, name);
  await s.screenshot(path);
  log('screenshot', path);
}

const driver = startDriver({ stdio: ['ignore', 'inherit', 'inherit'] });
let failed = false;
try {
  await driverReady();
  if (WRITE_SHOTS) mkdirSync(SHOTS, { recursive: true });

  // --- Door mode ------------------------------------------------------------------------
  log('door mode on the demo');
  const door = await Session.start(APP, ['--data-dir', data, '--demo', '--demo-attendees', String(ATTENDEES),
    '--frames', frames, '--fps', '10', '--export-dir', join(work, 'exports')]);
  try {
    await door.waitFor('[data-testid="verdict-banner"][data-state="idle"]', 'the idle door');
    await door.waitFor('[data-testid="camera-frame"]', 'the camera preview');
    await door.waitFor('[data-testid="where"]');
    const where = await door.textOf('[data-testid="where"]');
    assert.match(where, /Main entrance/i);

    await waitCachedPhoto(ACCEPTED, 0);
    feed(frames, ACCEPTED);
    let banner = await waitVerdict(door, 'accepted', null);
    await door.waitFor('[data-testid="attendee-name"]');
    const name = await door.textOf('[data-testid="attendee-name"]');
    assert.equal(name, ACCEPTED.name);
    assert.equal(await door.attr(banner, 'data-verdict'), 'accepted');
    const photoWidth = await waitImageLoaded(door, '[data-testid="verdict-banner"] img[data-testid="attendee-photo"]');
    const alt = await door.exec(`return document.querySelector('[data-testid="attendee-photo"]').alt;`);
    assert.equal(alt, ACCEPTED.name);
    log('accepted:', name, `(photo ${photoWidth} px wide)`);
    await shot(door, 'door-accepted.png');

    const first = await door.attr(banner, 'data-reading');
    feed(frames, REJECTED);
    banner = await waitVerdict(door, 'refused', first);
    assert.equal(await door.attr(banner, 'data-verdict'), 'attendance_rejected');
    const reason = await door.textOf('[data-testid="verdict-banner"][data-state="refused"]');
    assert.match(reason, new RegExp(REJECTED.name));
    assert.match(reason, /Attendance was declined/);
    log('refused:', reason.replace(/\s+/g, ' '));
    await shot(door, 'door-refused.png');

    // Both readings are in the recent list, newest first.
    await door.waitFor('[data-testid="recent-scans"]');
    const recent = await door.textOf('[data-testid="recent-scans"]');
    assert.ok(recent.indexOf(REJECTED.name) < recent.indexOf(ACCEPTED.name), recent);

    // The organizer dashboard reads the same replica.
    const tab = await door.findXPath("//nav//button[contains(., 'Dashboard')]");
    assert.ok(tab, 'dashboard tab');
    await door.click(tab);
    await door.waitFor('[data-testid="readings-feed"]');
    assert.match(await door.textOf('[data-testid="readings-feed"]'), new RegExp(ACCEPTED.name));
    await door.waitFor('[data-testid="room"]');
    await sleep(500);
    await shot(door, 'dashboard.png');
  } finally {
    await door.end();
  }

  // --- Kiosk mode -----------------------------------------------------------------------
  log('kiosk mode from the command line');
  execFileSync(CLI, ['kiosk-pin', '--db', join(data, 'replica.db'), '--pin', '2468'], { stdio: 'ignore' });
  const kioskStarted = Date.now();
  const kiosk = await Session.start(APP, ['--data-dir', data, '--kiosk', '--checkpoint', 'cp-hall-in',
    '--frames', kioskFrames, '--fps', '10']);
  try {
    await kiosk.waitFor('[data-testid="kiosk"][data-state="idle"]', 'the idle kiosk');
    const full = await kiosk.exec('return [window.innerWidth, window.innerHeight, screen.width, screen.height]');
    log('kiosk window', full);
    await sleep(300);
    await shot(kiosk, 'kiosk-idle.png');

    // Its photo is in the door's cache, yet the kiosk shows the first name and the outcome
    // only (issue 8): nobody at an unattended screen sees a face.
    await waitCachedPhoto(KIOSK_OK, kioskStarted);
    feed(kioskFrames, KIOSK_OK);
    await kiosk.waitFor('[data-testid="kiosk"][data-state="accepted"]', 'kiosk accepted');
    const ok = await kiosk.textOf('[data-testid="kiosk"]');
    assert.match(ok, new RegExp(KIOSK_OK.name.split(' ')[0]));
    const kioskImages = await kiosk.exec(`return document.querySelectorAll('[data-testid="kiosk"] img').length;`);
    assert.equal(kioskImages, 0, 'the kiosk shows no photo');
    await shot(kiosk, 'kiosk-accepted.png');

    feed(kioskFrames, INACTIVE);
    await kiosk.waitFor('[data-testid="kiosk"][data-state="refused"]', 'kiosk refused');
    await shot(kiosk, 'kiosk-refused.png');
  } finally {
    await kiosk.end();
  }
  log('all good');
} catch (e) {
  failed = true;
  console.error('[e2e-desktop] FAILED:', e);
} finally {
  driver.kill();
  if (!failed) removeWorkDir(work);
  else console.error(`[e2e-desktop] work dir kept: ${work}`);
}
process.exit(failed ? 1 : 0);
