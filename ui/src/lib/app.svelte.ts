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
      const [state, settings] = await Promise.all([ipc.appState(), ipc.settingsGet()]);
      this.state = state;
      this.applySettings(settings);
      await this.listen();
      if (state.mode !== 'setup') {
        this.sync = await ipc.syncStatus();
        this.camera = await ipc.cameraState();
      }
    } catch (err) {
      this.loadError = err;
    }
  }

  private async listen(): Promise<void> {
    this.unlisteners.push(
      await on('scan-result', (r) => this.receiveScan(r)),
      await on('camera-frame', (f) => {
        this.frame = f.dataUrl;
      }),
      await on('camera-state', (c) => {
        this.camera = c;
        if (c.state !== 'running') this.frame = null;
      }),
      await on('sync-status', (s) => {
        this.sync = s;
      }),
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
