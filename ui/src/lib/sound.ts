/**
 * Verdict sounds generated with WebAudio (no audio files): a bright rising two-note
 * chime for accepted, a low double buzz for refused. The AudioContext is created on
 * first use, and suspended again once a sound has finished: a running context keeps
 * WebKit's audio pipeline mixing silence all day (about 2% of a core on a door laptop).
 */
let ctx: AudioContext | null = null;
let sleepTimer: ReturnType<typeof setTimeout> | null = null;

/** How long after the end of the last note the context is suspended. */
export const SUSPEND_AFTER_MS = 500;

function context(): AudioContext | null {
  if (typeof window === 'undefined' || typeof window.AudioContext === 'undefined') return null;
  ctx ??= new window.AudioContext();
  if (ctx.state === 'suspended') void ctx.resume();
  return ctx;
}

interface Note {
  freq: number;
  start: number;
  duration: number;
  type: OscillatorType;
  gain: number;
}

function play(notes: Note[]): void {
  const ac = context();
  if (!ac) return;
  const now = ac.currentTime;
  const end = Math.max(...notes.map((n) => n.start + n.duration + 0.02));
  if (sleepTimer !== null) clearTimeout(sleepTimer);
  sleepTimer = setTimeout(() => {
    sleepTimer = null;
    if (ac.state === 'running') void ac.suspend().catch(() => {});
  }, end * 1000 + SUSPEND_AFTER_MS);
  for (const n of notes) {
    const osc = ac.createOscillator();
    const amp = ac.createGain();
    osc.type = n.type;
    osc.frequency.value = n.freq;
    const t0 = now + n.start;
    amp.gain.setValueAtTime(0.0001, t0);
    amp.gain.exponentialRampToValueAtTime(n.gain, t0 + 0.015);
    amp.gain.exponentialRampToValueAtTime(0.0001, t0 + n.duration);
    osc.connect(amp).connect(ac.destination);
    osc.start(t0);
    osc.stop(t0 + n.duration + 0.02);
  }
}

export const ACCEPT_NOTES: Note[] = [
  { freq: 880, start: 0, duration: 0.12, type: 'sine', gain: 0.35 },
  { freq: 1318.5, start: 0.1, duration: 0.22, type: 'sine', gain: 0.35 },
];

export const REFUSE_NOTES: Note[] = [
  { freq: 196, start: 0, duration: 0.18, type: 'square', gain: 0.18 },
  { freq: 185, start: 0.24, duration: 0.3, type: 'square', gain: 0.18 },
];

export function playVerdictSound(accepted: boolean): void {
  try {
    play(accepted ? ACCEPT_NOTES : REFUSE_NOTES);
  } catch {
    // Audio is a courtesy: never let it break the scan flow.
  }
}
