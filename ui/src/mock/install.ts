/**
 * Installs the fake backend behind Tauri's IPC (`mockIPC`) for development (`?mock`)
 * and the Chromium flows. Never imported by the production entry path.
 */
import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { FakeBackend, type FakeOptions } from './fakeBackend';

declare global {
  interface Window {
    __entradaMock?: FakeBackend;
  }
}

/** `?mock=door&attendees=100000&nocamera&pin=1234&lang=es&idle=3&pullms=800` */
export function optionsFromQuery(search: string): FakeOptions {
  const q = new URLSearchParams(search);
  const mode = q.get('mock');
  const opts: FakeOptions = {};
  if (mode === 'door' || mode === 'kiosk' || mode === 'setup') opts.mode = mode;
  if (q.has('attendees')) opts.attendees = Number(q.get('attendees'));
  if (q.has('nocamera')) opts.cameras = false;
  if (q.has('pin')) opts.kioskPin = q.get('pin');
  if (q.has('idle')) opts.kioskIdleSeconds = Number(q.get('idle'));
  if (q.has('pullms')) opts.pullMs = Number(q.get('pullms'));
  const lang = q.get('lang');
  if (lang === 'en' || lang === 'es') opts.language = lang;
  return opts;
}

export function installMock(options: FakeOptions): FakeBackend {
  const fake = new FakeBackend((event, payload) => void emit(event, payload), options);
  mockIPC((cmd, args) => fake.handle(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true });
  window.__entradaMock = fake;
  return fake;
}
