/**
 * An in-memory stand-in for the Rust shell, speaking the IPC contract of `docs/ipc.md`.
 *
 * Used by `npm run dev` with `?mock`, by the Chromium flows (bundled into an init
 * script, see `e2e/mock-entry.ts`) and by the Vitest component tests. It is NOT part
 * of the production bundle: `main.ts` imports it only when `import.meta.env.DEV`.
 *
 * The rules here are a rough imitation for driving the screens, not the rules engine.
 */
import type {
  AppState,
  AttendeeHit,
  Camera,
  CameraState,
  Checkpoint,
  Dashboard,
  EventSummary,
  FeedReading,
  IpcError,
  RecentScan,
  ScanResult,
  Settings,
  SyncStatus,
  Tag,
  VerdictCode,
  WebhookDelivery,
  WebhookSubscription,
} from '../lib/ipc';

export type Emit = (event: string, payload: unknown) => void;

export interface FakeOptions {
  mode?: 'setup' | 'door' | 'kiosk';
  attendees?: number;
  cameras?: boolean;
  /** Milliseconds the fake first pull takes. */
  pullMs?: number;
  /** Emit camera frames (needs a canvas; off in jsdom). */
  frames?: boolean;
  kioskPin?: string | null;
  language?: Settings['language'];
  kioskIdleSeconds?: number;
}

interface FakeAttendee extends AttendeeHit {
  firstName: string;
  rejected: boolean;
  photo: string | null;
}

interface FakeReading extends RecentScan {
  deviceName: string;
  synced: boolean;
}

const FIRST = ['Ana', 'Lucía', 'Marta', 'Javier', 'Carlos', 'Sofía', 'Pablo', 'Elena', 'Diego', 'Laura',
  'Hugo', 'Irene', 'Mateo', 'Noa', 'Daniel', 'Claire', 'Tom', 'Amara', 'Kenji', 'Priya', 'Omar', 'Ingrid',
  'Luca', 'Zoe', 'Rafael', 'Nuria', 'Jon', 'Aitana', 'Samuel', 'Greta'];
const LAST = ['García', 'Martínez', 'López', 'Sánchez', 'Pérez', 'Gómez', 'Fernández', 'Ruiz', 'Díaz',
  'Moreno', 'Navarro', 'Romero', 'Torres', 'Smith', 'Okafor', 'Tanaka', 'Iyer', 'Haddad', 'Larsen', 'Rossi',
  'Dubois', 'Novak', 'Kowalski', 'Silva', 'Costa', 'Berg', 'Ortega', 'Vidal', 'Castro', 'Molina'];
const COMPANIES = ['Acme Events', 'Lumen Labs', 'Northwind', 'Globex', 'Initech', 'Umbrella Media',
  'Stark Logistics', 'Wayne Foods', 'Hooli', 'Vandelay Imports'];
const TAGS: Tag[] = [
  { id: 't-vip', name: 'VIP' },
  { id: 't-speaker', name: 'Speaker' },
  { id: 't-press', name: 'Press' },
  { id: 't-staff', name: 'Staff' },
  { id: 't-workshop', name: 'Workshop' },
];
const COLOURS = ['#2563eb', '#7c3aed', '#db2777', '#059669', '#d97706', '#0891b2', '#4f46e5', '#be123c'];

export const WEBHOOK_TOPICS = [
  'checkpoint_reading_created',
  'attendee_added_to_event',
  'attendee_updated',
  'attendee_removed_from_event',
  'attendee_attendance_confirmed',
  'attendee_attendance_rejected',
];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function uuid(r: () => number): string {
  const hex = () => Math.floor(r() * 16).toString(16);
  const part = (n: number) => Array.from({ length: n }, hex).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-a${part(3)}-${part(12)}`;
}

/** An initials avatar as an SVG data URL (the real backend sends cached JPEG photos). */
export function avatar(name: string, colour: string): string {
  const initials = name
    .split(' ')
    .map((p) => p[0] ?? '')
    .join('')
    .slice(0, 2);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="240" viewBox="0 0 240 240"><rect width="240" height="240" fill="${colour}"/><text x="120" y="142" font-family="sans-serif" font-size="84" font-weight="700" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
  return `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svg)))}`;
}

function fail(code: IpcError['code'], message: string): never {
  throw { code, message } satisfies IpcError;
}

export const DEMO_EVENT: EventSummary = {
  id: 'evt-demo',
  name: 'Entrada Demo Summit 2026',
  dateFrom: '2026-11-22T08:00:00+01:00',
  dateTo: '2026-11-23T20:00:00+01:00',
  attendeeCount: null,
};

export class FakeBackend {
  readonly attendees: FakeAttendee[] = [];
  readonly checkpoints: Checkpoint[];
  readonly rooms = [
    { id: 'room-hall', name: 'Main hall', capacity: 400 },
    { id: 'room-ws', name: 'Workshop A', capacity: 40 },
    { id: 'room-vip', name: 'VIP lounge', capacity: 25 },
  ];
  private readonly roomOf: Record<string, string | null> = {};
  private readonly allowTags: Record<string, string[]> = {};
  readonly readings: FakeReading[] = [];
  readonly inside = new Map<string, Set<string>>();
  readonly webhooks: WebhookSubscription[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  state: AppState;
  settings: Settings;
  sync: SyncStatus;
  camera: CameraState = { state: 'stopped', cameraIndex: null, message: null };
  kioskPin: string | null;
  calls: { cmd: string; args: unknown }[] = [];
  private readonly r = rng(42);
  private frameTimer: ReturnType<typeof setInterval> | null = null;
  private frameNo = 0;
  private readonly opts: Required<FakeOptions>;

  constructor(
    private readonly emit: Emit,
    options: FakeOptions = {},
  ) {
    this.opts = {
      mode: 'setup',
      attendees: 2000,
      cameras: true,
      pullMs: 1200,
      frames: true,
      kioskPin: null,
      language: 'auto',
      kioskIdleSeconds: 5,
      ...options,
    };
    this.kioskPin = this.opts.kioskPin;
    this.checkpoints = [
      { id: 'cp-main-in', eventId: DEMO_EVENT.id, name: 'Main entrance', direction: 'in', roomName: 'Main hall', active: true },
      { id: 'cp-main-out', eventId: DEMO_EVENT.id, name: 'Main exit', direction: 'out', roomName: 'Main hall', active: true },
      { id: 'cp-ws', eventId: DEMO_EVENT.id, name: 'Workshop A door', direction: 'in', roomName: 'Workshop A', active: true },
      { id: 'cp-vip', eventId: DEMO_EVENT.id, name: 'VIP lounge', direction: 'in', roomName: 'VIP lounge', active: true },
      { id: 'cp-north', eventId: DEMO_EVENT.id, name: 'North gate (closed)', direction: 'in', roomName: null, active: false },
    ];
    Object.assign(this.roomOf, { 'cp-main-in': 'room-hall', 'cp-main-out': 'room-hall', 'cp-ws': 'room-ws', 'cp-vip': 'room-vip', 'cp-north': null });
    Object.assign(this.allowTags, { 'cp-ws': ['t-workshop', 't-staff'], 'cp-vip': ['t-vip', 't-speaker'] });
    for (const room of this.rooms) this.inside.set(room.id, new Set());
    this.makeAttendees(this.opts.attendees);

    const configured = this.opts.mode !== 'setup';
    this.state = {
      mode: this.opts.mode,
      device: { id: 'dev-1', name: 'Door 1' },
      event: configured ? { ...DEMO_EVENT, attendeeCount: this.attendees.length } : null,
      checkpoint: configured ? this.checkpoints[0]! : null,
      upstream: configured ? { url: 'demo://', kind: 'demo' } : null,
      online: true,
      kioskPinSet: this.kioskPin !== null,
      version: '0.1.0-mock',
    };
    this.settings = { deviceName: 'Door 1', sound: true, language: this.opts.language, kioskIdleSeconds: this.opts.kioskIdleSeconds };
    this.sync = { online: true, forcedMode: 'auto', syncing: false, lastSyncAt: new Date().toISOString(), backlog: 0, conflicts: 1, lastError: null };
    if (configured) this.seedHistory();
  }

  private makeAttendees(n: number): void {
    // A few fixed people the flows rely on.
    const fixed: Partial<FakeAttendee>[] = [
      { id: 'att-ana', name: 'Ana García', email: 'ana.garcia@lumenlabs.io', company: 'Lumen Labs', qrData: 'ENTRADA-ANA-0001', tags: [TAGS[0]!, TAGS[1]!] },
      { id: 'att-tom', name: 'Tom Okafor', email: 'tom@northwind.example', company: 'Northwind', qrData: 'ENTRADA-TOM-0002', tags: [TAGS[2]!] },
      { id: 'att-inactive', name: 'Irene Novak', email: 'irene@globex.example', company: 'Globex', qrData: 'ENTRADA-IRENE-0003', tags: [], active: false },
      { id: 'att-rejected', name: 'Diego Castro', email: 'diego@hooli.example', company: 'Hooli', qrData: 'ENTRADA-DIEGO-0004', tags: [], rejected: true },
    ];
    for (let i = 0; i < n; i++) {
      const f = fixed[i];
      const first = FIRST[Math.floor(this.r() * FIRST.length)]!;
      const last = LAST[Math.floor(this.r() * LAST.length)]!;
      const name = f?.name ?? `${first} ${last}`;
      const company = f?.company ?? COMPANIES[Math.floor(this.r() * COMPANIES.length)]!;
      const tags = f?.tags ?? TAGS.filter(() => this.r() < 0.12);
      const id = f?.id ?? uuid(this.r);
      const colour = COLOURS[i % COLOURS.length]!;
      this.attendees.push({
        id,
        name,
        firstName: name.split(' ')[0]!,
        email: f?.email ?? `${name.toLowerCase().normalize('NFD').replace(/[^a-z ]/g, '').replace(' ', '.')}${i}@${company.toLowerCase().replace(/ /g, '')}.example`,
        company,
        qrData: f?.qrData ?? `ENTRADA-${String(i).padStart(6, '0')}`,
        tags,
        active: f?.active ?? this.r() > 0.01,
        rejected: f?.rejected ?? false,
        photo: i < 400 ? avatar(name, colour) : null,
      });
    }
  }

  private seedHistory(): void {
    // Background traffic from other doors, for the dashboard.
    const now = Date.now();
    const devices = ['Door 2', 'Door 3', 'Workshop tablet'];
    let minutesAgo = 180;
    for (let i = 0; i < 260; i++) {
      minutesAgo -= 0.6 + this.r() * 0.07;
      const a = this.attendees[4 + Math.floor(this.r() * Math.min(1500, this.attendees.length - 4))]!;
      const cp = this.r() < 0.7 ? this.checkpoints[0]! : this.r() < 0.6 ? this.checkpoints[1]! : this.checkpoints[2]!;
      const at = new Date(now - minutesAgo * 60_000).toISOString();
      const verdict = this.judge(a, cp);
      this.record(a, cp, verdict, 'camera', at, devices[i % devices.length]!, true);
    }
  }

  // -------------------------------------------------------------------------
  // Test controls
  // -------------------------------------------------------------------------

  /** As if the camera decoded `payload`. */
  simulateScan(payload: string): ScanResult {
    return this.scan(payload, 'camera');
  }

  setCameraState(state: CameraState['state'], message: string | null = null): void {
    this.camera = { state, cameraIndex: state === 'no_camera' ? null : 0, message };
    this.emit('camera-state', this.camera);
    if (state !== 'running') this.stopFrames();
  }

  attendeeByName(name: string): FakeAttendee | undefined {
    return this.attendees.find((a) => a.name === name);
  }

  dispose(): void {
    this.stopFrames();
  }

  // -------------------------------------------------------------------------
  // Rules (rough imitation)
  // -------------------------------------------------------------------------

  private resolve(payload: string): FakeAttendee | undefined {
    const p = payload.trim();
    const url = /\/attendee\/([^/]+)\/qr$/.exec(p);
    const id = url ? url[1] : p;
    return this.attendees.find((a) => a.qrData === p || a.id === id);
  }

  private judge(a: FakeAttendee | undefined, cp: Checkpoint): VerdictCode {
    if (!a) return 'unknown_badge';
    if (!cp.active) return 'checkpoint_inactive';
    if (!a.active) return 'attendee_inactive';
    if (a.rejected) return 'attendance_rejected';
    const allow = this.allowTags[cp.id];
    if (allow && !a.tags.some((t) => allow.includes(t.id))) return 'tag_not_allowed';
    const roomId = this.roomOf[cp.id];
    if (roomId && cp.direction === 'in') {
      const inside = this.inside.get(roomId)!;
      if (inside.has(a.id)) return 'already_in_room';
      const room = this.rooms.find((r) => r.id === roomId)!;
      if (inside.size >= room.capacity) return 'room_full';
    }
    return 'accepted';
  }

  private record(
    a: FakeAttendee | undefined,
    cp: Checkpoint,
    verdict: VerdictCode,
    source: ScanResult['source'],
    at: string,
    deviceName: string,
    synced: boolean,
  ): FakeReading {
    const accepted = verdict === 'accepted';
    const roomId = this.roomOf[cp.id];
    if (accepted && a && roomId) {
      const set = this.inside.get(roomId)!;
      if (cp.direction === 'in') set.add(a.id);
      else if (cp.direction === 'out') set.delete(a.id);
    }
    const reading: FakeReading = {
      readingId: uuid(this.r),
      verdict,
      accepted,
      message: MESSAGES[verdict],
      attendee: a ? { id: a.id, name: a.name, firstName: a.firstName, photo: a.photo, tags: a.tags } : null,
      checkpoint: { id: cp.id, name: cp.name, direction: cp.direction },
      readingConfirmation: accepted && cp.id === 'cp-ws' ? 'Workshop A starts at 11:30. Seats are not numbered.' : null,
      source,
      at,
      undone: false,
      deviceName,
      synced,
    };
    this.readings.push(reading);
    return reading;
  }

  private scan(payload: string, source: ScanResult['source']): ScanResult {
    const cp = this.state.checkpoint;
    if (!cp) fail('not_configured', 'No checkpoint chosen');
    const a = this.resolve(payload);
    const reading = this.record(a, cp, this.judge(a, cp), source, new Date().toISOString(), this.state.device.name, !this.isOffline());
    const result = toScanResult(reading);
    this.emit('scan-result', result);
    if (reading.accepted && this.isOffline()) this.updateSync({ backlog: this.sync.backlog + 1 });
    return result;
  }

  private isOffline(): boolean {
    return this.sync.forcedMode === 'offline' || !this.sync.online;
  }

  private updateSync(patch: Partial<SyncStatus>): SyncStatus {
    this.sync = { ...this.sync, ...patch };
    this.emit('sync-status', this.sync);
    return this.sync;
  }

  // -------------------------------------------------------------------------
  // Camera frames
  // -------------------------------------------------------------------------

  private startFrames(): void {
    this.stopFrames();
    if (!this.opts.frames || typeof document === 'undefined') return;
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const g = canvas.getContext('2d');
    if (!g) return;
    const draw = () => {
      this.frameNo++;
      const grad = g.createLinearGradient(0, 0, 640, 480);
      grad.addColorStop(0, '#2b3440');
      grad.addColorStop(1, '#11161c');
      g.fillStyle = grad;
      g.fillRect(0, 0, 640, 480);
      g.fillStyle = 'rgba(255,255,255,0.05)';
      for (let i = 0; i < 6; i++) g.fillRect(60 + i * 100, 40 + ((this.frameNo * 3 + i * 40) % 60), 40, 400);
      // A badge held up to the camera.
      const x = 240 + Math.sin(this.frameNo / 4) * 8;
      g.fillStyle = '#f4f4f5';
      g.fillRect(x, 130, 160, 210);
      g.fillStyle = '#111';
      const cell = 10;
      for (let yy = 0; yy < 12; yy++)
        for (let xx = 0; xx < 12; xx++)
          if ((xx * 7 + yy * 13 + xx * yy) % 3 === 0 || (xx < 3 && yy < 3) || (xx > 8 && yy < 3) || (xx < 3 && yy > 8))
            g.fillRect(x + 20 + xx * cell, 160 + yy * cell, cell, cell);
      this.emit('camera-frame', { dataUrl: canvas.toDataURL('image/jpeg', 0.7), width: 640, height: 480 });
    };
    draw();
    this.frameTimer = setInterval(draw, 250);
  }

  private stopFrames(): void {
    if (this.frameTimer) clearInterval(this.frameTimer);
    this.frameTimer = null;
  }

  // -------------------------------------------------------------------------
  // The contract
  // -------------------------------------------------------------------------

  handle = async (cmd: string, args: Record<string, unknown> = {}): Promise<unknown> => {
    this.calls.push({ cmd, args });
    const s = (k: string) => String(args[k] ?? '');
    switch (cmd) {
      case 'app_state':
        return this.state;
      case 'open_demo':
        return this.configure({ url: 'demo://', kind: 'demo' }, this.checkpoints[0]!);
      case 'connect_upstream': {
        const url = s('url');
        if (!/^https?:\/\/[^\s/]+/.test(url)) fail('invalid_url', `relative URL without a base: ${url}`);
        if (url.includes('unreachable')) fail('unreachable', `error sending request for url (${url})`);
        if (s('clientSecret') !== 'secret') fail('unauthorized', 'HTTP 401 invalid_client');
        this.state = { ...this.state, upstream: { url, kind: 'hub' } };
        return [{ ...DEMO_EVENT, attendeeCount: this.attendees.length }, { id: 'evt-2', name: 'Autumn Partner Day', dateFrom: '2026-10-02T09:00:00+02:00', dateTo: '2026-10-02T18:00:00+02:00', attendeeCount: 312 }];
      }
      case 'list_events':
        return [{ ...DEMO_EVENT, attendeeCount: this.attendees.length }];
      case 'list_checkpoints':
        return s('eventId') === DEMO_EVENT.id ? this.checkpoints : [];
      case 'choose_checkpoint': {
        const cp = this.checkpoints.find((c) => c.id === s('checkpointId'));
        if (!cp) fail('not_found', 'checkpoint not found');
        this.state = { ...this.state, event: { ...DEMO_EVENT, attendeeCount: this.attendees.length }, checkpoint: cp };
        return this.state;
      }
      case 'start_pull':
        return this.pull();
      case 'list_cameras':
        return this.opts.cameras
          ? ([{ index: 0, name: 'Integrated Camera' }, { index: 1, name: 'Logitech C920 (USB)' }] satisfies Camera[])
          : [];
      case 'camera_state':
        return this.camera;
      case 'start_camera': {
        if (!this.opts.cameras) fail('camera', 'no camera found');
        this.camera = { state: 'running', cameraIndex: Number(args['index'] ?? 0), message: null };
        this.emit('camera-state', this.camera);
        this.startFrames();
        return null;
      }
      case 'stop_camera':
        this.setCameraState('stopped');
        return null;
      case 'scan_payload':
        return this.scan(s('payload'), args['source'] === 'manual' ? 'manual' : 'keyboard');
      case 'check_in_attendee': {
        const a = this.attendees.find((x) => x.id === s('attendeeId'));
        if (!a) fail('not_found', 'attendee not found');
        return this.scan(a.qrData, 'manual');
      }
      case 'search_attendees':
        return this.search(s('query'), Number(args['limit'] ?? 50));
      case 'recent_scans': {
        const limit = Number(args['limit'] ?? 20);
        return this.readings
          .filter((x) => x.deviceName === this.state.device.name)
          .slice(-limit)
          .reverse()
          .map((x) => ({ ...toScanResult(x), undone: x.undone }));
      }
      case 'undo_reading': {
        const reading = this.readings.find((x) => x.readingId === s('readingId'));
        if (!reading) fail('not_found', 'reading not found');
        if (!reading.accepted || reading.undone) fail('invalid_input', 'only accepted readings can be undone');
        reading.undone = true;
        const roomId = this.roomOf[reading.checkpoint.id];
        if (roomId && reading.attendee && reading.checkpoint.direction === 'in')
          this.inside.get(roomId)!.delete(reading.attendee.id);
        return null;
      }
      case 'sync_status':
        return this.sync;
      case 'set_forced_mode': {
        const mode = s('mode') as SyncStatus['forcedMode'];
        return this.updateSync({ forcedMode: mode, online: mode !== 'offline' });
      }
      case 'sync_now':
        if (this.isOffline()) return this.sync;
        for (const x of this.readings) x.synced = true;
        return this.updateSync({ backlog: 0, lastSyncAt: new Date().toISOString(), syncing: false });
      case 'dashboard':
        return this.dashboard(Number(args['flowBucketMinutes'] ?? 15), Number(args['recentLimit'] ?? 20));
      case 'export_csv':
        return { path: `/home/door/Downloads/entrada-${s('kind')}-2026-11-22.csv`, rows: s('kind') === 'readings' ? this.readings.length : 96 };
      case 'webhooks_list':
        return { subscriptions: this.webhooks, topics: WEBHOOK_TOPICS };
      case 'webhooks_add': {
        const url = s('url');
        if (!/^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost))/.test(url))
          fail('invalid_url', 'webhook URLs must use https (loopback http allowed)');
        const topics = (args['topics'] as string[] | undefined) ?? [];
        if (topics.length === 0) fail('invalid_input', 'choose at least one topic');
        const sub: WebhookSubscription = { id: uuid(this.r), url, topics, enabled: true, createdAt: new Date().toISOString() };
        this.webhooks.push(sub);
        return { id: sub.id, secret: `whsec_${uuid(this.r).replace(/-/g, '')}` };
      }
      case 'webhooks_remove': {
        const i = this.webhooks.findIndex((w) => w.id === s('id'));
        if (i >= 0) this.webhooks.splice(i, 1);
        return null;
      }
      case 'webhooks_set_enabled': {
        const w = this.webhooks.find((x) => x.id === s('id'));
        if (!w) fail('not_found', 'subscription not found');
        w.enabled = Boolean(args['enabled']);
        return null;
      }
      case 'webhooks_ping':
        return this.deliver(s('id'), 'ping');
      case 'webhooks_deliveries':
        return this.deliveries.filter((d) => d.subscriptionId === s('id')).slice(-Number(args['limit'] ?? 50)).reverse();
      case 'webhooks_resend': {
        const d = this.deliveries.find((x) => x.id === s('deliveryId'));
        if (!d) fail('not_found', 'delivery not found');
        return this.deliver(d.subscriptionId, d.topic, d.webhookIdentifier);
      }
      case 'settings_get':
        return this.settings;
      case 'settings_set': {
        const next = args['settings'] as Settings;
        if (!next.deviceName.trim()) fail('invalid_input', 'device name is empty');
        this.settings = { ...next };
        this.state = { ...this.state, device: { ...this.state.device, name: next.deviceName } };
        return this.settings;
      }
      case 'kiosk_enter':
        if (!this.kioskPin) fail('invalid_input', 'set a kiosk PIN first');
        this.state = { ...this.state, mode: 'kiosk' };
        return this.state;
      case 'kiosk_unlock':
        if (s('pin') !== this.kioskPin) return false;
        this.state = { ...this.state, mode: 'door' };
        return true;
      case 'set_kiosk_pin':
        if (!/^\d{4,12}$/.test(s('pin'))) fail('invalid_input', 'PIN must be 4 to 12 digits');
        this.kioskPin = s('pin');
        this.state = { ...this.state, kioskPinSet: true };
        return null;
      default:
        fail('internal', `unknown command ${cmd}`);
    }
  };

  private configure(upstream: NonNullable<AppState['upstream']>, cp: Checkpoint): AppState {
    this.state = {
      ...this.state,
      mode: 'door',
      upstream,
      event: { ...DEMO_EVENT, attendeeCount: this.attendees.length },
      checkpoint: cp,
    };
    if (this.readings.length === 0) this.seedHistory();
    return this.state;
  }

  private async pull(): Promise<unknown> {
    const stages = ['events', 'checkpoints', 'tags', 'attendees', 'photos', 'readings'] as const;
    const total = this.attendees.length;
    const steps = 10;
    const started = Date.now();
    for (const stage of stages) {
      const n = stage === 'attendees' || stage === 'photos' ? steps : 1;
      for (let i = 1; i <= n; i++) {
        await new Promise((res) => setTimeout(res, this.opts.pullMs / (2 * steps + 4)));
        this.emit('pull-progress', { stage, done: Math.round((total * i) / n), total });
      }
    }
    this.emit('pull-progress', { stage: 'done', done: total, total });
    if (this.state.upstream && this.state.checkpoint) this.configure(this.state.upstream, this.state.checkpoint);
    return { attendees: total, checkpoints: this.checkpoints.length, photos: 400, tookMs: Date.now() - started };
  }

  private search(query: string, limit: number): { total: number; hits: AttendeeHit[] } {
    const q = query.trim().toLowerCase();
    if (!q) return { total: 0, hits: [] };
    const matches = this.attendees.filter(
      (a) =>
        a.name.toLowerCase().includes(q) ||
        (a.email ?? '').toLowerCase().includes(q) ||
        (a.company ?? '').toLowerCase().includes(q) ||
        a.qrData.toLowerCase() === q,
    );
    return {
      total: matches.length,
      hits: matches.slice(0, limit).map((a) => ({ id: a.id, name: a.name, email: a.email, company: a.company, qrData: a.qrData, tags: a.tags, active: a.active, photo: a.photo })),
    };
  }

  private deliver(subscriptionId: string, topic: string, identifier?: string): WebhookDelivery {
    const sub = this.webhooks.find((w) => w.id === subscriptionId);
    if (!sub) fail('not_found', 'subscription not found');
    const ok = !sub.url.includes('fail');
    const d: WebhookDelivery = {
      id: uuid(this.r),
      subscriptionId,
      topic,
      webhookIdentifier: identifier ?? uuid(this.r),
      status: ok ? 'delivered' : 'failed',
      responseCode: ok ? 200 : 500,
      latencyMs: 40 + Math.floor(this.r() * 80),
      attempts: 1,
      lastAttemptAt: new Date().toISOString(),
      nextAttemptAt: ok ? null : new Date(Date.now() + 60_000).toISOString(),
      error: ok ? null : 'HTTP 500 Internal Server Error',
    };
    this.deliveries.push(d);
    return d;
  }

  private dashboard(bucketMinutes: number, recentLimit: number): Dashboard {
    const now = Date.now();
    const bucketMs = bucketMinutes * 60_000;
    const first = Math.floor((now - 3 * 3_600_000) / bucketMs) * bucketMs;
    const buckets: Dashboard['flow']['buckets'] = [];
    for (let t = first; t <= now; t += bucketMs) buckets.push({ at: new Date(t).toISOString(), entries: 0, exits: 0 });
    const stats = new Map<string, { accepted: number; refused: number; reasons: Map<VerdictCode, number> }>();
    for (const x of this.readings) {
      const st = stats.get(x.checkpoint.id) ?? { accepted: 0, refused: 0, reasons: new Map() };
      stats.set(x.checkpoint.id, st);
      if (x.accepted && !x.undone) st.accepted++;
      if (!x.accepted) {
        st.refused++;
        st.reasons.set(x.verdict, (st.reasons.get(x.verdict) ?? 0) + 1);
      }
      if (!x.accepted || x.undone) continue;
      const i = Math.floor((Date.parse(x.at) - first) / bucketMs);
      const b = buckets[i];
      if (!b) continue;
      if (x.checkpoint.direction === 'in') b.entries++;
      if (x.checkpoint.direction === 'out') b.exits++;
    }
    const recent: FeedReading[] = this.readings
      .slice(-recentLimit)
      .reverse()
      .map((x) => ({
        readingId: x.readingId,
        at: x.at,
        attendeeName: x.attendee?.name ?? null,
        checkpointName: x.checkpoint.name,
        deviceName: x.deviceName,
        verdict: x.verdict,
        accepted: x.accepted,
        undone: x.undone,
      }));
    const backlog = this.readings.filter((x) => !x.synced && x.accepted).length;
    return {
      generatedAt: new Date().toISOString(),
      rooms: this.rooms.map((r) => ({ id: r.id, name: r.name, inside: this.inside.get(r.id)!.size + (r.id === 'room-vip' ? 23 : r.id === 'room-ws' ? 24 : 0), capacity: r.capacity })),
      flow: { bucketMinutes, buckets },
      checkpoints: this.checkpoints.map((c) => {
        const st = stats.get(c.id) ?? { accepted: 0, refused: 0, reasons: new Map<VerdictCode, number>() };
        return {
          id: c.id,
          name: c.name,
          direction: c.direction,
          accepted: st.accepted,
          refused: st.refused,
          topRefusals: [...st.reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([verdict, count]) => ({ verdict, count })),
        };
      }),
      recent,
      conflicts: [
        {
          readingId: 'rd-conflict-1',
          at: new Date(now - 42 * 60_000).toISOString(),
          attendeeName: 'Lucía Ortega',
          checkpointName: 'VIP lounge',
          deviceName: 'Door 3',
          upstreamStatus: 422,
          upstreamCode: 'attendee_id/invalid',
          upstreamMessage: 'The attendee has reached the maximum readings for this checkpoint',
          verdict: 'max_readings_reached',
        },
      ],
      devices: [
        { id: this.state.device.id, name: this.state.device.name, thisDevice: true, online: !this.isOffline(), lastSeenAt: new Date().toISOString(), backlog },
        { id: 'dev-2', name: 'Door 2', thisDevice: false, online: true, lastSeenAt: new Date(now - 20_000).toISOString(), backlog: 0 },
        { id: 'dev-3', name: 'Door 3', thisDevice: false, online: false, lastSeenAt: new Date(now - 14 * 60_000).toISOString(), backlog: 17 },
      ],
      webhooks: this.webhooks.length
        ? this.webhooks.map((w) => {
            const ds = this.deliveries.filter((d) => d.subscriptionId === w.id);
            const last = ds[ds.length - 1];
            return { id: w.id, url: w.url, enabled: w.enabled, delivered: ds.filter((d) => d.status === 'delivered').length, failed: ds.filter((d) => d.status === 'failed').length, pending: 0, lastStatus: last?.responseCode ?? null, lastDeliveryAt: last?.lastAttemptAt ?? null };
          })
        : [
            { id: 'wh-crm', url: 'https://crm.example.com/hooks/entrada', enabled: true, delivered: 412, failed: 0, pending: 2, lastStatus: 200, lastDeliveryAt: new Date(now - 30_000).toISOString() },
            { id: 'wh-badge', url: 'https://badges.example.org/in', enabled: true, delivered: 96, failed: 7, pending: 5, lastStatus: 503, lastDeliveryAt: new Date(now - 90_000).toISOString() },
          ],
    };
  }
}

function toScanResult(x: FakeReading): ScanResult {
  return {
    readingId: x.readingId,
    verdict: x.verdict,
    accepted: x.accepted,
    message: x.message,
    attendee: x.attendee,
    checkpoint: x.checkpoint,
    readingConfirmation: x.readingConfirmation,
    source: x.source,
    at: x.at,
  };
}

const MESSAGES: Record<VerdictCode, string> = {
  accepted: 'Reading created',
  unknown_badge: 'Attendee does not exist',
  checkpoint_inactive: 'The checkpoint is not active',
  hosting_expired: 'The event hosting has expired',
  not_attending: 'The attendee does not attend to the checkpoint event',
  attendee_inactive: 'The attendee is not active',
  attendance_rejected: 'The attendee has rejected the attendance to the event',
  tag_not_allowed: 'The attendee can not access this checkpoint',
  max_readings_reached: 'The attendee has reached the maximum readings for this checkpoint',
  already_in_room: 'The attendee is already in the room associated to the checkpoint',
  room_full: 'The room associated to the checkpoint is full',
};
