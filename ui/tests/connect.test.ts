import { describe, expect, test, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import ConnectForm from '../src/components/setup/ConnectForm.svelte';
import PullProgress from '../src/components/setup/PullProgress.svelte';
import SetupWizard from '../src/components/setup/SetupWizard.svelte';
import { i18n } from '../src/lib/i18n.svelte';
import type { EventSummary } from '../src/lib/ipc';
import { installFake } from './fake';

// The errors exactly as the desktop backend sends them for these cases
// (crates/entrada-app/src/upstream.rs: sync_error / connect_error).
const BACKEND_ERRORS = {
  wrongSecret: { code: 'unauthorized', message: 'upstream refused the client credentials: The client credentials are invalid' },
  closedPort: { code: 'unreachable', message: 'upstream unreachable: cannot connect: Connection refused' },
  notAnApi: { code: 'invalid_url', message: 'no Access API answers at https://example.com' },
  serverDown: { code: 'unreachable', message: 'the server answered HTTP 502' },
} as const;

const EVENTS: EventSummary[] = [{ id: 'ev-1', name: 'Entrada Demo Conf', dateFrom: null, dateTo: null, attendeeCount: null }];

/** The real backend's answer to connect_upstream: an error for this secret, or the events. */
function backend(answer: (args: Record<string, unknown>) => unknown) {
  const calls: Record<string, unknown>[] = [];
  mockIPC((cmd, args) => {
    if (cmd !== 'connect_upstream') throw new Error(`unexpected command ${cmd}`);
    calls.push(args as Record<string, unknown>);
    return answer(args as Record<string, unknown>);
  });
  return calls;
}

async function connect(url: string, id: string, secret: string) {
  await fireEvent.input(screen.getByTestId('upstream-url'), { target: { value: url } });
  await fireEvent.input(screen.getByTestId('client-id'), { target: { value: id } });
  await fireEvent.input(screen.getByTestId('client-secret'), { target: { value: secret } });
  await fireEvent.submit(screen.getByTestId('connect').closest('form')!);
}

async function shownError() {
  const alert = await screen.findByTestId('connect-error');
  return { headline: alert.querySelector('strong')?.textContent ?? '', all: alert.textContent ?? '' };
}

function expectPlainWords(text: string) {
  expect(text).not.toMatch(/[{}[\]]|"\w+"\s*:|\bat \S+ \(|stack|panicked|Error:|os error/i);
}

describe('connect form: errors in plain words', () => {
  test.each([
    ['wrongSecret', /^The client ID or secret is wrong\.$/],
    ['closedPort', /^The server could not be reached\. Check the address and the network connection\.$/],
    ['notAnApi', /^That server address is not valid\./],
    ['serverDown', /^The server could not be reached\./],
  ] as const)('%s', async (which, plain) => {
    const failure = BACKEND_ERRORS[which];
    backend(() => {
      throw failure;
    });
    render(ConnectForm, { onConnected: () => {} });
    await connect('http://127.0.0.1:9', 'door-1', 'nope');
    const err = await shownError();
    expect(err.headline).toMatch(plain);
    // The backend's detail stays below for whoever supports the door, never a raw body.
    expect(err.all).toContain(failure.message);
    expectPlainWords(err.all);
  });

  test('in Spanish too', async () => {
    i18n.set('es');
    backend(() => {
      throw BACKEND_ERRORS.wrongSecret;
    });
    render(ConnectForm, { onConnected: () => {} });
    await connect('http://127.0.0.1:9', 'door-1', 'nope');
    expect((await shownError()).headline).toBe('El ID o el secreto de cliente no son correctos.');
  });

  test('an unexpected failure still reads as words, not an exception', async () => {
    backend(() => {
      throw new TypeError('Cannot read properties of undefined');
    });
    render(ConnectForm, { onConnected: () => {} });
    await connect('http://127.0.0.1:9', 'door-1', 'nope');
    expect((await shownError()).headline).toBe('Something went wrong.');
  });

  test('busy while connecting; a retry clears the old error; success hands over the events', async () => {
    let release: (v: unknown) => void = () => {};
    const calls = backend((args) => {
      if (args.clientSecret !== 'right') throw BACKEND_ERRORS.wrongSecret;
      return new Promise((ok) => (release = ok));
    });
    const onConnected = vi.fn();
    render(ConnectForm, { onConnected });
    await connect(' http://hub.local:8080 ', ' door-1 ', 'wrong');
    await shownError();

    await connect(' http://hub.local:8080 ', ' door-1 ', 'right');
    const button = screen.getByTestId('connect') as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(true));
    expect(button.textContent).toMatch(/Connecting/);
    expect(screen.queryByTestId('connect-error')).toBeNull();
    release(EVENTS);
    await waitFor(() => expect(onConnected).toHaveBeenCalledWith(EVENTS));
    expect(button.disabled).toBe(false);
    // Address and id are trimmed; the secret is sent as typed.
    expect(calls.at(-1)).toEqual({ url: 'http://hub.local:8080', clientId: 'door-1', clientSecret: 'right' });
  });
});

describe('pull progress', () => {
  test('a share of the work is a percentage, not a count under a wrong label', () => {
    render(PullProgress, { progress: { stage: 'attendees', done: 500, total: 1000 } });
    const bar = screen.getByRole('progressbar');
    // Events, checkpoints and tags (6 %) are behind; half of the attendees' 60 % is done.
    expect(bar.getAttribute('aria-valuenow')).toBe('36');
    expect(screen.getByTestId('pull-progress').textContent).toContain('36 %');
    expect(screen.queryByTestId('pull-count')).toBeNull();
  });

  test('photos are counted, and the end shows the attendees on the device', async () => {
    const { rerender } = render(PullProgress, { progress: { stage: 'photos', done: 12, total: 40 } });
    expect(screen.getByTestId('pull-count').textContent).toBe('12 / 40');
    await rerender({ progress: { stage: 'done', done: 3000, total: 3000 } });
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(screen.getByTestId('pull-count').textContent).toBe('3,000 / 3,000');
    expect(screen.getByTestId('pull-progress').textContent).toContain('Done');
  });
});

describe('setup wizard', () => {
  test('wrong secret, then event, checkpoint and a pull that ends ready for the door', async () => {
    installFake({ mode: 'setup' });
    const onDone = vi.fn();
    render(SetupWizard, { onDone });
    await connect('https://hub.example.com', 'door-1', 'wrong');
    expect((await shownError()).headline).toBe('The client ID or secret is wrong.');
    await connect('https://hub.example.com', 'door-1', 'secret');
    const [event] = await screen.findAllByTestId('event-choice');
    await fireEvent.click(event!);
    const [checkpoint] = await screen.findAllByTestId('checkpoint-choice');
    await fireEvent.click(checkpoint!);
    await screen.findByTestId('pull-done', {}, { timeout: 5000 });
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    await fireEvent.click(screen.getByTestId('start-door'));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(onDone.mock.calls[0]?.[0].mode).toBe('door');
  });
});
