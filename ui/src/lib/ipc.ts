/**
 * The one typed wrapper over Tauri's `invoke` and `listen`.
 *
 * Every command and event the UI uses is declared here and documented in
 * `docs/ipc.md`; no other module imports `@tauri-apps/api`. Argument objects are
 * camelCase on this side (Tauri maps them to the snake_case parameters of the Rust
 * command); every payload struct is serialised by Rust with `rename_all = "camelCase"`.
 */
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

// ---------------------------------------------------------------------------
// Shared vocabulary
// ---------------------------------------------------------------------------

/** Stable verdict codes, in the order of the domain crate's verdict table (`entrada-domain/src/verdict.rs`). */
export const VERDICT_CODES = [
  'accepted',
  'checkpoint_inactive',
  'hosting_expired',
  'unknown_badge',
  'not_attending',
  'attendee_inactive',
  'attendance_rejected',
  'tag_not_allowed',
  'max_readings_reached',
  'already_in_room',
  'room_full',
] as const;
export type VerdictCode = (typeof VERDICT_CODES)[number];

export type AppMode = 'setup' | 'door' | 'kiosk';
/** Whether passing the checkpoint enters its room or leaves it (core `Direction`). */
export type Direction = 'in' | 'out';
export type ForcedMode = 'auto' | 'online' | 'offline';
export type Language = 'auto' | 'en' | 'es';
/** RFC 3339 timestamp with offset, e.g. `2026-11-22T19:40:00+01:00`. */
export type Timestamp = string;

export interface Tag {
  id: string;
  name: string;
}

export interface EventSummary {
  id: string;
  name: string;
  dateFrom: Timestamp | null;
  dateTo: Timestamp | null;
  attendeeCount: number | null;
}

export interface Checkpoint {
  id: string;
  eventId: string;
  name: string;
  direction: Direction;
  roomName: string | null;
  active: boolean;
}

export interface AppState {
  mode: AppMode;
  device: { id: string; name: string };
  event: EventSummary | null;
  checkpoint: Checkpoint | null;
  upstream: { url: string; kind: 'demo' | 'hub' | 'access_api' } | null;
  online: boolean;
  kioskPinSet: boolean;
  version: string;
}

/** A failed command rejects with this object (never a bare string). */
export interface IpcError {
  code:
    | 'invalid_url'
    | 'unreachable'
    | 'tls'
    | 'timeout'
    | 'unauthorized'
    | 'forbidden'
    | 'not_found'
    | 'not_configured'
    | 'invalid_input'
    | 'camera'
    | 'io'
    | 'internal';
  message: string;
}

export interface ScanAttendee {
  id: string;
  name: string;
  firstName: string;
  /** `data:image/jpeg;base64,...` from the photo cache, or null. */
  photo: string | null;
  tags: Tag[];
}

export interface ScanResult {
  readingId: string;
  verdict: VerdictCode;
  accepted: boolean;
  /** Upstream's English message for the verdict (the UI shows its own en/es text by code). */
  message: string;
  attendee: ScanAttendee | null;
  checkpoint: { id: string; name: string; direction: Direction };
  /** The checkpoint's reading confirmation as plain text (HTML stripped by Rust), or null. */
  readingConfirmation: string | null;
  source: 'camera' | 'keyboard' | 'manual';
  at: Timestamp;
}

export interface RecentScan extends ScanResult {
  undone: boolean;
}

export interface AttendeeHit {
  id: string;
  name: string;
  email: string | null;
  company: string | null;
  qrData: string;
  tags: Tag[];
  active: boolean;
  /** A list-sized (64 px) `data:image/jpeg;base64,...` from the photo cache, or null. */
  photo: string | null;
}

export interface SearchResult {
  total: number;
  hits: AttendeeHit[];
}

export interface Camera {
  index: number;
  name: string;
}

export type CameraStateName = 'running' | 'no_camera' | 'recovering' | 'stopped';
export interface CameraState {
  state: CameraStateName;
  cameraIndex: number | null;
  message: string | null;
}

export interface CameraFrame {
  /** `data:image/jpeg;base64,...`, a few per second while a camera runs. */
  dataUrl: string;
  width: number;
  height: number;
}

export interface SyncStatus {
  online: boolean;
  forcedMode: ForcedMode;
  syncing: boolean;
  lastSyncAt: Timestamp | null;
  backlog: number;
  conflicts: number;
  lastError: string | null;
}

export interface PullProgress {
  stage: 'events' | 'checkpoints' | 'tags' | 'attendees' | 'photos' | 'readings' | 'done';
  done: number;
  total: number;
}

export interface PullSummary {
  attendees: number;
  checkpoints: number;
  photos: number;
  tookMs: number;
}

export interface Settings {
  deviceName: string;
  sound: boolean;
  language: Language;
  kioskIdleSeconds: number;
}

export interface RoomOccupancy {
  id: string;
  name: string;
  inside: number;
  capacity: number | null;
}

export interface FlowBucket {
  at: Timestamp;
  entries: number;
  exits: number;
}

export interface CheckpointStats {
  id: string;
  name: string;
  direction: Direction;
  accepted: number;
  refused: number;
  topRefusals: { verdict: VerdictCode; count: number }[];
}

export interface FeedReading {
  readingId: string;
  at: Timestamp;
  attendeeName: string | null;
  checkpointName: string;
  deviceName: string;
  verdict: VerdictCode;
  accepted: boolean;
  undone: boolean;
}

export interface SyncConflict {
  readingId: string;
  at: Timestamp;
  attendeeName: string | null;
  checkpointName: string;
  deviceName: string;
  /** The upstream's answer: HTTP status, field/code and its message. */
  upstreamStatus: number;
  upstreamCode: string;
  upstreamMessage: string;
  /** Our verdict code for the upstream's answer when it maps to one. */
  verdict: VerdictCode | null;
}

export interface DeviceSync {
  id: string;
  name: string;
  thisDevice: boolean;
  online: boolean;
  lastSeenAt: Timestamp | null;
  backlog: number;
}

export interface WebhookHealth {
  id: string;
  url: string;
  enabled: boolean;
  delivered: number;
  failed: number;
  pending: number;
  lastStatus: number | null;
  lastDeliveryAt: Timestamp | null;
}

export interface Dashboard {
  generatedAt: Timestamp;
  rooms: RoomOccupancy[];
  flow: { bucketMinutes: number; buckets: FlowBucket[] };
  checkpoints: CheckpointStats[];
  recent: FeedReading[];
  conflicts: SyncConflict[];
  devices: DeviceSync[];
  webhooks: WebhookHealth[];
}

export type ExportKind = 'readings' | 'occupancy';
export interface ExportResult {
  /** Absolute path of the CSV file Rust wrote (in the user's Downloads folder). */
  path: string;
  rows: number;
}

export interface WebhookSubscription {
  id: string;
  url: string;
  topics: string[];
  enabled: boolean;
  createdAt: Timestamp;
}

export interface WebhookList {
  subscriptions: WebhookSubscription[];
  /** Every topic a subscription may choose, e.g. `checkpoint_reading_created`. */
  topics: string[];
}

export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  topic: string;
  webhookIdentifier: string;
  status: 'pending' | 'delivered' | 'failed';
  responseCode: number | null;
  latencyMs: number | null;
  attempts: number;
  lastAttemptAt: Timestamp | null;
  nextAttemptAt: Timestamp | null;
  error: string | null;
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/** Normalise whatever a rejected `invoke` carries into an `IpcError`. */
export function toIpcError(err: unknown): IpcError {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown };
    return { code: String(e.code) as IpcError['code'], message: String(e.message) };
  }
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (err) {
    throw toIpcError(err);
  }
}

export const ipc = {
  // app & setup
  appState: () => call<AppState>('app_state'),
  openDemo: () => call<AppState>('open_demo'),
  connectUpstream: (url: string, clientId: string, clientSecret: string) =>
    call<EventSummary[]>('connect_upstream', { url, clientId, clientSecret }),
  listEvents: () => call<EventSummary[]>('list_events'),
  listCheckpoints: (eventId: string) => call<Checkpoint[]>('list_checkpoints', { eventId }),
  chooseCheckpoint: (checkpointId: string) => call<AppState>('choose_checkpoint', { checkpointId }),
  startPull: () => call<PullSummary>('start_pull'),

  // camera
  listCameras: () => call<Camera[]>('list_cameras'),
  startCamera: (index: number) => call<void>('start_camera', { index }),
  stopCamera: () => call<void>('stop_camera'),
  cameraState: () => call<CameraState>('camera_state'),

  // scanning
  scanPayload: (payload: string, source: 'keyboard' | 'manual') =>
    call<ScanResult>('scan_payload', { payload, source }),
  checkInAttendee: (attendeeId: string) => call<ScanResult>('check_in_attendee', { attendeeId }),
  searchAttendees: (query: string, limit: number) =>
    call<SearchResult>('search_attendees', { query, limit }),
  recentScans: (limit: number) => call<RecentScan[]>('recent_scans', { limit }),
  undoReading: (readingId: string) => call<void>('undo_reading', { readingId }),

  // sync
  syncStatus: () => call<SyncStatus>('sync_status'),
  setForcedMode: (mode: ForcedMode) => call<SyncStatus>('set_forced_mode', { mode }),
  syncNow: () => call<SyncStatus>('sync_now'),

  // dashboard
  dashboard: (flowBucketMinutes: number, recentLimit: number) =>
    call<Dashboard>('dashboard', { flowBucketMinutes, recentLimit }),
  exportCsv: (kind: ExportKind) => call<ExportResult>('export_csv', { kind }),

  // webhooks
  webhooksList: () => call<WebhookList>('webhooks_list'),
  webhooksAdd: (url: string, topics: string[]) =>
    call<{ id: string; secret: string }>('webhooks_add', { url, topics }),
  webhooksRemove: (id: string) => call<void>('webhooks_remove', { id }),
  webhooksSetEnabled: (id: string, enabled: boolean) =>
    call<void>('webhooks_set_enabled', { id, enabled }),
  webhooksPing: (id: string) => call<WebhookDelivery>('webhooks_ping', { id }),
  webhooksDeliveries: (id: string, limit: number) =>
    call<WebhookDelivery[]>('webhooks_deliveries', { id, limit }),
  webhooksResend: (deliveryId: string) =>
    call<WebhookDelivery>('webhooks_resend', { deliveryId }),

  // settings & kiosk
  settingsGet: () => call<Settings>('settings_get'),
  settingsSet: (settings: Settings) => call<Settings>('settings_set', { settings }),
  kioskEnter: (checkpointId: string) => call<AppState>('kiosk_enter', { checkpointId }),
  kioskUnlock: (pin: string) => call<boolean>('kiosk_unlock', { pin }),
  setKioskPin: (pin: string) => call<void>('set_kiosk_pin', { pin }),
};

export type Ipc = typeof ipc;

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

export interface EventPayloads {
  'scan-result': ScanResult;
  'camera-frame': CameraFrame;
  'camera-state': CameraState;
  'sync-status': SyncStatus;
  'pull-progress': PullProgress;
}
export type EventName = keyof EventPayloads;

/** Subscribe to a backend event; resolves to the function that unsubscribes. */
export function on<E extends EventName>(
  name: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(name, (e) => handler(e.payload));
}
