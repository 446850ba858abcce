// Plain WebDriver over HTTP against tauri-driver: just what the desktop tests need, so the
// test has no npm dependencies.

import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const WD = `http://127.0.0.1:${PORT}`;
// Generous: the first WebKit start on a busy 2-core CI machine is slow. Not a timing
// assertion, only how long we wait before calling it a failure.
export const WAIT_MS = Number(process.env.E2E_WAIT_MS ?? 60_000);
export const PORT_NUMBER = PORT;

/** The repository, and the debug binaries scripts/e2e-desktop.sh builds. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TARGET = process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target');
/** `E2E_APP=PATH` runs the tests against another build of the app (a packaged one). */
export const APP = process.env.E2E_APP ?? join(TARGET, 'debug/entrada-desktop');
export const CLI = join(TARGET, 'debug/entrada');

/** Removes a test's work folder. The app's last background writes (the demo hub's photo
 *  cache, a sync) can still land while its process exits after the session ends, so
 *  removal retries for a few seconds, and a folder that stays only earns a warning: the
 *  test's verdict is already in. */
export function removeWorkDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 30, retryDelay: 100 });
  } catch (e) {
    console.warn(`work folder ${dir} not removed: ${e.message}`);
  }
}

/** tauri-driver on our port, with WebKitWebDriver on the next one (not its fixed default),
 *  so a desktop test can run beside another one. */
export function startDriver(options) {
  const driver = process.env.TAURI_DRIVER ?? 'tauri-driver';
  return spawn(driver, ['--port', String(PORT), '--native-port', String(PORT + 1)], options);
}

// ---------------------------------------------------------------------------------------
// WebDriver over HTTP
// ---------------------------------------------------------------------------------------

export async function wd(method, path, body) {
  const res = await fetch(`${WD}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const v = json.value ?? {};
    throw new Error(`${method} ${path}: ${res.status} ${v.error ?? ''} ${v.message ?? JSON.stringify(json)}`);
  }
  return json.value;
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'; // the W3C web element key

export class Session {
  constructor(id) {
    this.id = id;
  }
  static async start(application, args) {
    const value = await wd('POST', '/session', {
      capabilities: { alwaysMatch: { 'tauri:options': { application, args } } },
    });
    return new Session(value.sessionId);
  }
  p(path) {
    return `/session/${this.id}${path}`;
  }
  async find(css) {
    try {
      const v = await wd('POST', this.p('/element'), { using: 'css selector', value: css });
      return v[ELEMENT];
    } catch {
      return null;
    }
  }
  async findXPath(xpath) {
    try {
      const v = await wd('POST', this.p('/element'), { using: 'xpath', value: xpath });
      return v[ELEMENT];
    } catch {
      return null;
    }
  }
  async waitFor(css, what = css) {
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      const el = await this.find(css);
      if (el) return el;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  async text(el) {
    return wd('GET', this.p(`/element/${el}/text`));
  }
  /** The element's text content (WebDriver's rendered text is empty mid fade-in). */
  async textOf(css) {
    return this.exec('const e = document.querySelector(arguments[0]); return e ? e.textContent.replace(/\\s+/g, " ").trim() : null;', [css]);
  }
  async attr(el, name) {
    return wd('GET', this.p(`/element/${el}/attribute/${name}`));
  }
  async click(el) {
    return wd('POST', this.p(`/element/${el}/click`), {});
  }
  async type(el, text) {
    return wd('POST', this.p(`/element/${el}/value`), { text });
  }
  /** Empties an input, then types `text` into it (the UI sees real input events). */
  async fill(css, text) {
    const el = await this.waitFor(css);
    await wd('POST', this.p(`/element/${el}/clear`), {});
    if (text !== '') await this.type(el, text);
    return el;
  }
  /** Clicks the element matching `css` once it exists. */
  async clickOn(css, what = css) {
    const el = await this.waitFor(css, what);
    await this.click(el);
    return el;
  }
  async exec(script, args = []) {
    return wd('POST', this.p('/execute/sync'), { script, args });
  }
  async screenshot(path) {
    const b64 = await wd('GET', this.p('/screenshot'));
    writeFileSync(path, Buffer.from(b64, 'base64'));
  }
  async end() {
    await wd('DELETE', `/session/${this.id}`).catch(() => {});
  }
}


/** Waits until tauri-driver answers. */
export async function driverReady() {
  for (let i = 0; ; i++) {
    try {
      await wd('GET', '/status');
      return;
    } catch (e) {
      if (i > 200) throw new Error(`tauri-driver did not start: ${e.message}`);
      await sleep(100);
    }
  }
}


/**
 * Waits until `probe()` returns a truthy value and returns it; on timeout, the error names
 * `what` and the last value seen, so a failure says what the screen showed instead.
 */
export async function waitUntil(probe, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what} (last seen: ${JSON.stringify(last)})`);
}
