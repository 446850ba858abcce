/**
 * Camera choice, remembered per device in localStorage (the backend only knows indexes).
 * Door and kiosk screens call `startPreferredCamera` on mount; the backend then reports
 * through `camera-state` / `camera-frame`.
 */
import { ipc, type Camera } from './ipc';

const STORAGE_KEY = 'entrada.cameraIndex';

export function preferredCameraIndex(): number {
  const v = Number(localStorage.getItem(STORAGE_KEY) ?? 0);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export function rememberCamera(index: number): void {
  localStorage.setItem(STORAGE_KEY, String(index));
}

/** Lists the cameras and starts the remembered one (or the first). Returns the list. */
export async function startPreferredCamera(): Promise<{ cameras: Camera[]; index: number | null }> {
  // Both at once: the shell may have started the camera already, while the page loaded.
  performance.mark('camera-request');
  const [cameras, state] = await Promise.all([ipc.listCameras(), ipc.cameraState()]);
  performance.mark('camera-answer');
  if (cameras.length === 0) return { cameras, index: null };
  const wanted = preferredCameraIndex();
  const index = cameras.some((c) => c.index === wanted) ? wanted : cameras[0]!.index;
  if (state.state === 'stopped' || state.cameraIndex !== index) await ipc.startCamera(index);
  performance.mark('camera-started');
  return { cameras, index };
}
