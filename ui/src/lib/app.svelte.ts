/**
 * The application's live state: what the backend told us (app state, settings, sync,
 * camera, last verdict) and which screen is showing. Components read it; only the
 * functions here and the screens' own actions change it.
 */
import { i18n } from './i18n.svelte';
import {
  ipc,
  on,
  type AppState,
  type CameraState,
  type ScanResult,
  type Settings,
  type SyncStatus,
} from './ipc';
import { playVerdictSound } from './sound';

export type View = 'door' | 'dashboard' | 'settings';

export const DEFAULT_SETTINGS: Settings = {
  deviceName: '',
  sound: true,
  language: 'auto',
  kioskIdleSeconds: 5,
};

class AppStore {
  state = $state<AppState | null>(null);
  settings = $state<Settings>({ ...DEFAULT_SETTINGS });
  sync = $state<SyncStatus | null>(null);
  camera = $state<CameraState>({ state: 'stopped', cameraIndex: null, message: null });
  frame = $state<string | null>(null);
  lastScan = $state<ScanResult | null>(null);
  /** Bumped on every verdict so lists that depend on readings reload. */
  scanCount = $state(0);
  view = $state<View>('door');
  loadError = $state<unknown>(null);

  private unlisteners: (() => void)[] = [];

  async init(): Promise<void> {
    try {
      // Every start-up request goes out at once: on a loaded machine each IPC round trip
      // costs tens of milliseconds, and the door is not scan-ready until they are all in.
      const listening = this.listen();
      const [state, settings, sync, camera] = await Promise.all([
        ipc.appState(),
        ipc.settingsGet(),
        ipc.syncStatus().catch(() => null),
        ipc.cameraState().catch(() => null),
      ]);
      this.state = state;
      this.applySettings(settings);
      performance.mark('state');
      if (state.mode !== 'setup') {
        this.sync = sync;
        if (camera) this.camera = camera;
      }
      await listening;
      performance.mark('listening');
    } catch (err) {
      this.loadError = err;
    }
  }

  private async listen(): Promise<void> {
    this.unlisteners.push(
      ...(await Promise.all([
        on('scan-result', (r) => this.receiveScan(r)),
        on('camera-frame', (f) => {
          if (this.frame === null) performance.mark('frame');
          this.frame = f.dataUrl;
        }),
        on('camera-state', (c) => {
          this.camera = c;
          if (c.state !== 'running') this.frame = null;
        }),
        on('sync-status', (s) => {
          this.sync = s;
        }),
      ])),
    );
  }

  receiveScan(result: ScanResult): void {
    this.lastScan = result;
    this.scanCount += 1;
    if (this.settings.sound) playVerdictSound(result.accepted);
  }

  applySettings(settings: Settings): void {
    this.settings = settings;
    i18n.set(settings.language);
  }

  setState(state: AppState): void {
    this.state = state;
  }

  async refreshAfterSetup(state: AppState): Promise<void> {
    this.state = state;
    this.sync = await ipc.syncStatus();
    this.camera = await ipc.cameraState();
  }

  dispose(): void {
    for (const u of this.unlisteners) u();
    this.unlisteners = [];
  }
}

export const app = new AppStore();
