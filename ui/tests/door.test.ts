import { describe, expect, test, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import CameraPanel from '../src/components/door/CameraPanel.svelte';
import RecentScans from '../src/components/door/RecentScans.svelte';
import { app } from '../src/lib/app.svelte';
import { on } from '../src/lib/ipc';
import { installFake } from './fake';

async function listenCamera() {
  await on('camera-state', (c) => (app.camera = c));
}

describe('camera panel', () => {
  test('starts the remembered camera, and the picker switches and remembers', async () => {
    localStorage.setItem('entrada.cameraIndex', '1');
    app.camera = { state: 'stopped', cameraIndex: null, message: null };
    const fake = installFake();
    await listenCamera();
    render(CameraPanel);
    await waitFor(() => expect(fake.calls.find((c) => c.cmd === 'start_camera')?.args).toEqual({ index: 1 }));
    const picker = (await screen.findByTestId('camera-picker')) as HTMLSelectElement;
    await fireEvent.change(picker, { target: { value: '0' } });
    await waitFor(() => expect(fake.calls.filter((c) => c.cmd === 'start_camera').at(-1)?.args).toEqual({ index: 0 }));
    expect(localStorage.getItem('entrada.cameraIndex')).toBe('0');
  });

  test('no camera: a clear state and the manual code field', async () => {
    app.camera = { state: 'stopped', cameraIndex: null, message: null };
    installFake({ cameras: false });
    render(CameraPanel);
    expect((await screen.findByTestId('no-camera')).textContent).toMatch(/No camera/);
    expect(screen.getByTestId('manual-code')).toBeTruthy();
  });

  test('camera recovering is shown over the preview', async () => {
    const fake = installFake();
    await listenCamera();
    render(CameraPanel);
    await waitFor(() => expect(app.camera.state).toBe('running'));
    fake.setCameraState('recovering', 'USB camera unplugged');
    expect((await screen.findByTestId('camera-recovering')).textContent).toContain('USB camera unplugged');
  });

  test('a typed code goes through scan_payload as a manual scan', async () => {
    const fake = installFake();
    render(CameraPanel);
    await fireEvent.input(screen.getByTestId('manual-code'), { target: { value: ' ENTRADA-TOM-0002 ' } });
    await fireEvent.submit(screen.getByTestId('manual-code').closest('form')!);
    await waitFor(() =>
      expect(fake.calls.find((c) => c.cmd === 'scan_payload')?.args).toEqual({ payload: 'ENTRADA-TOM-0002', source: 'manual' }),
    );
  });
});

describe('recent scans', () => {
  test('lists this door’s scans and undoes an accepted one after confirmation', async () => {
    const fake = installFake();
    fake.simulateScan('ENTRADA-TOM-0002');
    fake.simulateScan('NOT-A-BADGE');
    render(RecentScans, { props: { refreshKey: 0 } });
    const list = await screen.findByTestId('recent-scans');
    await waitFor(() => expect(list.querySelectorAll('li')).toHaveLength(2));
    expect(list.textContent).toContain('Unknown badge');
    expect(screen.getAllByTestId('undo')).toHaveLength(1); // refused scans cannot be undone
    await fireEvent.click(screen.getByTestId('undo'));
    await fireEvent.click(screen.getByTestId('confirm-undo'));
    await waitFor(() => expect(list.querySelector('li.undone')).not.toBeNull());
    expect(fake.calls.find((c) => c.cmd === 'undo_reading')).toBeTruthy();
  });
});

describe('app store', () => {
  test('a scan-result becomes the last verdict; sound only when enabled', async () => {
    const fake = installFake();
    const sound = await import('../src/lib/sound');
    const play = vi.spyOn(sound, 'playVerdictSound');
    await app.init();
    app.applySettings({ ...app.settings, sound: false });
    fake.simulateScan('ENTRADA-TOM-0002');
    await waitFor(() => expect(app.lastScan?.attendee?.name).toBe('Tom Okafor'));
    expect(play).not.toHaveBeenCalled();
    app.applySettings({ ...app.settings, sound: true });
    fake.simulateScan('NOT-A-BADGE');
    await waitFor(() => expect(app.lastScan?.verdict).toBe('unknown_badge'));
    expect(play).toHaveBeenCalledWith(false);
    app.dispose();
  });
});
