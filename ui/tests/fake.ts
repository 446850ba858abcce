import { emit } from '@tauri-apps/api/event';
import { mockIPC } from '@tauri-apps/api/mocks';
import { FakeBackend, type FakeOptions } from '../src/mock/fakeBackend';
import type { ScanResult } from '../src/lib/ipc';

/** The fake backend behind mocked Tauri IPC, as the app sees the real shell. */
export function installFake(options: FakeOptions = {}): FakeBackend {
  const fake = new FakeBackend((e, p) => void emit(e, p), { mode: 'door', frames: false, attendees: 300, ...options });
  mockIPC((cmd, args) => fake.handle(cmd, (args ?? {}) as Record<string, unknown>), { shouldMockEvents: true });
  return fake;
}

export function scanResult(patch: Partial<ScanResult> = {}): ScanResult {
  return {
    readingId: 'rd-1',
    verdict: 'accepted',
    accepted: true,
    message: 'Reading created',
    attendee: {
      id: 'att-ana',
      name: 'Ana García',
      firstName: 'Ana',
      photo: 'data:image/png;base64,iVBORw0KGgo=',
      tags: [
        { id: 't-vip', name: 'VIP' },
        { id: 't-speaker', name: 'Speaker' },
      ],
    },
    checkpoint: { id: 'cp-1', name: 'Main entrance', direction: 'in' },
    readingConfirmation: null,
    source: 'camera',
    at: '2026-11-22T10:15:00+01:00',
    ...patch,
  };
}
