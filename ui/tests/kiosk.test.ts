import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import KioskView from '../src/components/kiosk/KioskView.svelte';
import PinDialog from '../src/components/kiosk/PinDialog.svelte';
import type { CameraState, ScanResult } from '../src/lib/ipc';
import { installFake, scanResult } from './fake';

const running: CameraState = { state: 'running', cameraIndex: 0, message: null };

function kiosk(scan: ScanResult | null, props: Partial<{ idleSeconds: number; camera: CameraState }> = {}) {
  const onUnlocked = vi.fn();
  const r = render(KioskView, {
    props: { scan, camera: running, frame: null, idleSeconds: 5, onUnlocked, ...props },
  });
  return { ...r, onUnlocked };
}
const state = () => screen.getByTestId('kiosk').dataset['state'];

describe('kiosk idle reset', () => {
  beforeEach(() => {
    installFake({ mode: 'kiosk', kioskPin: '1234' });
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('shows the outcome, then returns to idle after the configured seconds', async () => {
    const { rerender } = kiosk(null, { idleSeconds: 3 });
    expect(state()).toBe('idle');
    await rerender({ scan: scanResult() });
    expect(state()).toBe('accepted');
    vi.advanceTimersByTime(2900);
    flushSync();
    expect(state()).toBe('accepted');
    vi.advanceTimersByTime(200);
    flushSync();
    expect(state()).toBe('idle');
  });

  test('a new scan restarts the countdown', async () => {
    const { rerender } = kiosk(null, { idleSeconds: 5 });
    await rerender({ scan: scanResult() });
    vi.advanceTimersByTime(4000);
    await rerender({ scan: scanResult({ readingId: 'rd-2', verdict: 'already_in_room', accepted: false }) });
    expect(state()).toBe('refused');
    vi.advanceTimersByTime(4000);
    flushSync();
    expect(state()).toBe('refused');
    vi.advanceTimersByTime(1100);
    flushSync();
    expect(state()).toBe('idle');
  });

  test('camera recovering and no camera have their own screens', async () => {
    const { rerender } = kiosk(null, { camera: { state: 'recovering', cameraIndex: 0, message: null } });
    expect(state()).toBe('recovering');
    expect(screen.getByTestId('kiosk-recovering').textContent).toMatch(/camera is restarting/);
    await rerender({ camera: { state: 'no_camera', cameraIndex: null, message: null } });
    expect(screen.getByTestId('kiosk').textContent).toMatch(/has no camera/);
  });
});

describe('kiosk privacy', () => {
  beforeEach(() => {
    installFake({ mode: 'kiosk', kioskPin: '1234' });
  });

  test('accepted: only the first name and the outcome, never surname, tags or photo', () => {
    kiosk(scanResult({ readingConfirmation: 'Enjoy the keynote.' }));
    const text = screen.getByTestId('kiosk').textContent ?? '';
    expect(screen.getByTestId('kiosk-headline').textContent).toContain('Hello, Ana!');
    expect(text).not.toContain('García');
    expect(text).not.toContain('VIP');
    expect(text).not.toContain('Speaker');
    expect(text).not.toContain('Main entrance');
    // The scan result carries a photo (the door shows it); the kiosk never does.
    expect(scanResult().attendee!.photo).toBeTruthy();
    expect(screen.getByTestId('kiosk').querySelector('img')).toBeNull();
    expect(text).toContain('Enjoy the keynote.');
  });

  test('refused: no name at all, a kiosk text with a next step', () => {
    kiosk(scanResult({ verdict: 'attendee_inactive', accepted: false }));
    const text = screen.getByTestId('kiosk').textContent ?? '';
    expect(text).not.toContain('Ana');
    expect(text).not.toContain('García');
    // Whoever holds a refused badge may not be its owner: no face either.
    expect(screen.getByTestId('kiosk').querySelector('img')).toBeNull();
    expect(screen.getByTestId('kiosk-message').textContent).toMatch(/help desk/);
  });

  test('there is no search, no recent list and no settings without the PIN', () => {
    kiosk(scanResult());
    expect(screen.queryByTestId('search-input')).toBeNull();
    expect(screen.queryByTestId('recent-scans')).toBeNull();
    expect(screen.queryByTestId('settings')).toBeNull();
  });
});

describe('PIN gate', () => {
  test('a wrong PIN is refused and the gate stays closed', async () => {
    const fake = installFake({ mode: 'kiosk', kioskPin: '1234' });
    const onUnlocked = vi.fn();
    render(PinDialog, { props: { onUnlocked, onCancel: vi.fn() } });
    await fireEvent.input(screen.getByTestId('pin-input'), { target: { value: '9999' } });
    await fireEvent.click(screen.getByTestId('pin-unlock'));
    expect((await screen.findByTestId('pin-error')).textContent).toBe('Wrong PIN.');
    expect(onUnlocked).not.toHaveBeenCalled();
    expect((screen.getByTestId('pin-input') as HTMLInputElement).value).toBe('');
    expect(fake.state.mode).toBe('kiosk');
    expect(fake.calls.find((c) => c.cmd === 'kiosk_unlock')?.args).toEqual({ pin: '9999' });
  });

  test('the right PIN opens the door view or the settings', async () => {
    const fake = installFake({ mode: 'kiosk', kioskPin: '1234' });
    const onUnlocked = vi.fn();
    render(PinDialog, { props: { onUnlocked, onCancel: vi.fn() } });
    await fireEvent.input(screen.getByTestId('pin-input'), { target: { value: '1234' } });
    await fireEvent.click(screen.getByTestId('pin-settings'));
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledWith('settings'));
    expect(fake.state.mode).toBe('door');
  });

  test('the staff button in kiosk mode opens the gate', async () => {
    installFake({ mode: 'kiosk', kioskPin: '1234' });
    const { onUnlocked } = kiosk(null);
    await fireEvent.click(screen.getByTestId('kiosk-staff'));
    await fireEvent.input(screen.getByTestId('pin-input'), { target: { value: '1234' } });
    await fireEvent.click(screen.getByTestId('pin-unlock'));
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledWith('door'));
  });
});

describe('kiosk PIN dialog on an unattended kiosk', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('closes by itself after 30 seconds', async () => {
    installFake({ mode: 'kiosk', kioskPin: '1234' });
    vi.useFakeTimers();
    kiosk(null);
    await fireEvent.click(screen.getByTestId('kiosk-staff'));
    expect(screen.getByTestId('pin-input')).toBeTruthy();
    vi.advanceTimersByTime(30_500);
    flushSync();
    expect(screen.queryByTestId('pin-input')).toBeNull();
  });
});

describe('kiosk language', () => {
  test('an attendee can switch the kiosk to Spanish without the PIN', async () => {
    installFake({ mode: 'kiosk', kioskPin: '1234' });
    kiosk(null);
    await fireEvent.click(screen.getByTestId('kiosk-lang-es'));
    expect(screen.getByTestId('kiosk').textContent).toContain('Muestra el código QR');
  });
});

describe('kiosk language reset', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('after an attendee, the kiosk returns to the device language', async () => {
    installFake({ mode: 'kiosk', kioskPin: '1234' });
    vi.useFakeTimers();
    const { rerender } = kiosk(null, { idleSeconds: 2 });
    await fireEvent.click(screen.getByTestId('kiosk-lang-es'));
    await rerender({ scan: scanResult() });
    expect(screen.getByTestId('kiosk-headline').textContent).toContain('¡Hola, Ana!');
    vi.advanceTimersByTime(2100);
    flushSync();
    expect(screen.getByTestId('kiosk').textContent).toContain('Show your badge');
  });
});
