import { describe, expect, test } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import VerdictBanner from '../src/components/door/VerdictBanner.svelte';
import { i18n } from '../src/lib/i18n.svelte';
import { VERDICT_CODES } from '../src/lib/ipc';
import { VERDICT_TEXTS } from '../src/lib/verdicts';
import { scanResult } from './fake';

const banner = () => screen.getByTestId('verdict-banner');

describe('VerdictBanner', () => {
  test('before the first scan it invites to scan', () => {
    render(VerdictBanner, { props: { result: null } });
    expect(banner().dataset['state']).toBe('idle');
    expect(banner().textContent).toContain('Ready to scan');
  });

  test('accepted: green state, full name, photo, tags and the reading confirmation', () => {
    render(VerdictBanner, {
      props: { result: scanResult({ readingConfirmation: 'Workshop starts at 11:30.' }) },
    });
    expect(banner().dataset['state']).toBe('accepted');
    expect(banner().classList.contains('accepted')).toBe(true);
    expect(screen.getByTestId('attendee-name').textContent).toBe('Ana García');
    expect(screen.getByTestId('verdict-title').textContent).toContain('Welcome');
    expect(banner().querySelector('img.photo')?.getAttribute('src')).toMatch(/^data:image/);
    expect(banner().textContent).toContain('VIP');
    expect(banner().textContent).toContain('Speaker');
    expect(screen.getByTestId('reading-confirmation').textContent).toBe('Workshop starts at 11:30.');
    expect(screen.queryByTestId('verdict-reason')).toBeNull();
  });

  test.each(VERDICT_CODES.filter((c) => c !== 'accepted'))('refused %s: red state with the reason in words', (code) => {
    render(VerdictBanner, {
      props: { result: scanResult({ verdict: code, accepted: false, message: 'upstream text' }) },
    });
    expect(banner().dataset['state']).toBe('refused');
    expect(banner().dataset['verdict']).toBe(code);
    expect(screen.getByTestId('verdict-title').textContent).toContain(VERDICT_TEXTS.en[code].title);
    expect(screen.getByTestId('verdict-reason').textContent).toBe(VERDICT_TEXTS.en[code].detail);
  });

  test('unknown badge without an attendee shows no name and no photo', () => {
    render(VerdictBanner, { props: { result: scanResult({ verdict: 'unknown_badge', accepted: false, attendee: null }) } });
    expect(screen.queryByTestId('attendee-name')).toBeNull();
    expect(banner().querySelector('img')).toBeNull();
    expect(screen.getByTestId('verdict-reason').textContent).toMatch(/does not belong/);
  });

  test('texts follow the UI language, keyed by verdict code', () => {
    render(VerdictBanner, { props: { result: scanResult({ verdict: 'room_full', accepted: false }) } });
    expect(screen.getByTestId('verdict-title').textContent).toContain('Room is full');
    i18n.set('es');
    flushSync();
    expect(screen.getByTestId('verdict-title').textContent).toContain('La sala está llena');
  });

  test('a verdict code this build does not know still renders as a refusal', () => {
    render(VerdictBanner, {
      props: { result: scanResult({ verdict: 'brand_new_code' as never, accepted: false }) },
    });
    expect(screen.getByTestId('verdict-title').textContent).toContain('Access refused');
  });

  test('a new reading replaces the previous one', async () => {
    const { rerender } = render(VerdictBanner, { props: { result: scanResult() } });
    await rerender({ result: scanResult({ readingId: 'rd-2', verdict: 'already_in_room', accepted: false }) });
    expect(banner().dataset['verdict']).toBe('already_in_room');
    expect(screen.getAllByTestId('verdict-banner')).toHaveLength(1);
  });
});

describe('VerdictBanner photo', () => {
  const base = scanResult().attendee!;

  test('the cached photo is shown with the name as its alt text', () => {
    render(VerdictBanner, { props: { result: scanResult() } });
    const img = screen.getByTestId('attendee-photo') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe(base.photo);
    expect(img.alt).toBe('Ana García');
    expect(screen.queryByTestId('attendee-initials')).toBeNull();
  });

  test('without a photo the initials take its place, in the same box', () => {
    render(VerdictBanner, {
      props: { result: scanResult({ attendee: { ...base, name: 'Ana María García López', photo: null } }) },
    });
    expect(banner().querySelector('img')).toBeNull();
    const initials = screen.getByTestId('attendee-initials');
    expect(initials.textContent?.trim()).toBe('AL');
    expect(initials.classList.contains('photo')).toBe(true);
  });

  test('a refused scan of a known attendee shows the face too (staff compare it)', () => {
    render(VerdictBanner, { props: { result: scanResult({ verdict: 'already_in_room', accepted: false }) } });
    expect(screen.getByTestId('attendee-photo').getAttribute('src')).toBe(base.photo);
  });

  test('a photo that fails to load falls back to the initials', async () => {
    render(VerdictBanner, { props: { result: scanResult() } });
    await fireEvent.error(screen.getByTestId('attendee-photo'));
    expect(screen.queryByTestId('attendee-photo')).toBeNull();
    expect(screen.getByTestId('attendee-initials').textContent?.trim()).toBe('AG');
  });

  test('the next reading tries its own photo again', async () => {
    const { rerender } = render(VerdictBanner, { props: { result: scanResult() } });
    await fireEvent.error(screen.getByTestId('attendee-photo'));
    await rerender({ result: scanResult({ readingId: 'rd-2' }) });
    expect(screen.getByTestId('attendee-photo')).toBeTruthy();
  });
});

describe('VerdictBanner staleness', () => {
  test('an old verdict is marked stale (muted) but stays readable', () => {
    render(VerdictBanner, { props: { result: scanResult(), stale: true } });
    expect(banner().classList.contains('stale')).toBe(true);
    expect(screen.getByTestId('attendee-name').textContent).toBe('Ana García');
  });
});
