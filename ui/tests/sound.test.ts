import { afterEach, expect, test, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

/** A minimal AudioContext that records the oscillators it is asked to play. */
const contexts = { resumed: 0, suspended: 0 };

function stubAudio() {
  contexts.resumed = 0;
  contexts.suspended = 0;
  const played: { type: string; freq: number }[] = [];
  class FakeAudioContext {
    state = 'running';
    currentTime = 0;
    destination = {};
    resume() {
      this.state = 'running';
      contexts.resumed += 1;
      return Promise.resolve();
    }
    suspend() {
      this.state = 'suspended';
      contexts.suspended += 1;
      return Promise.resolve();
    }
    createOscillator() {
      const osc = {
        type: 'sine',
        frequency: { value: 0 },
        connect: (n: unknown) => n,
        start: () => played.push({ type: osc.type, freq: osc.frequency.value }),
        stop: () => {},
      };
      return osc;
    }
    createGain() {
      const ramp = () => {};
      return {
        gain: { setValueAtTime: ramp, exponentialRampToValueAtTime: ramp },
        connect: (n: unknown) => n,
      };
    }
  }
  vi.stubGlobal('AudioContext', FakeAudioContext);
  return played;
}

test('accept and refuse have distinct generated tones (no audio files)', async () => {
  const played = stubAudio();
  const { playVerdictSound } = await import('../src/lib/sound');
  playVerdictSound(true);
  const accept = played.splice(0);
  playVerdictSound(false);
  const refuse = played.splice(0);
  expect(accept.length).toBeGreaterThan(0);
  expect(refuse.length).toBeGreaterThan(0);
  expect(accept.every((n) => n.type === 'sine' && n.freq > 800)).toBe(true);
  expect(refuse.every((n) => n.type === 'square' && n.freq < 250)).toBe(true);
});

test('no AudioContext (or a failing one) never breaks a scan', async () => {
  vi.stubGlobal('AudioContext', undefined);
  const { playVerdictSound } = await import('../src/lib/sound');
  expect(() => playVerdictSound(true)).not.toThrow();
});

test('the audio context sleeps after a sound and wakes for the next one', async () => {
  vi.useFakeTimers();
  try {
    const played = stubAudio();
    const { playVerdictSound, SUSPEND_AFTER_MS } = await import('../src/lib/sound');
    playVerdictSound(true);
    playVerdictSound(false);
    // The second sound pushes the sleep back: nothing is suspended mid-buzz.
    vi.advanceTimersByTime(SUSPEND_AFTER_MS);
    expect(contexts.suspended).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(contexts.suspended).toBe(1);
    played.splice(0);
    playVerdictSound(true);
    expect(contexts.resumed).toBe(1);
    expect(played.length).toBeGreaterThan(0);
  } finally {
    vi.useRealTimers();
  }
});
