import { describe, expect, test, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { mockIPC } from '@tauri-apps/api/mocks';
import AttendeeSearch from '../src/components/door/AttendeeSearch.svelte';
import { on, type ScanResult } from '../src/lib/ipc';
import { installFake } from './fake';

async function type(input: HTMLElement, value: string) {
  (input as HTMLInputElement).value = value;
  await fireEvent.input(input);
}

describe('AttendeeSearch', () => {
  test('debounces keystrokes into one search in the backend', async () => {
    const fake = installFake();
    render(AttendeeSearch, { props: { debounceMs: 40 } });
    const input = screen.getByTestId('search-input');
    for (const prefix of ['a', 'an', 'ana', 'ana ', 'ana g']) await type(input, prefix);
    await screen.findByTestId('search-results');
    const searches = fake.calls.filter((c) => c.cmd === 'search_attendees');
    expect(searches).toHaveLength(1);
    expect(searches[0]!.args).toEqual({ query: 'ana g', limit: 50 });
  });

  test('renders at most `limit` rows and says how many matched', async () => {
    installFake({ attendees: 2000 });
    render(AttendeeSearch, { props: { debounceMs: 0, limit: 10 } });
    await type(screen.getByTestId('search-input'), 'example');
    const list = await screen.findByTestId('search-results');
    expect(list.querySelectorAll('li')).toHaveLength(10);
    expect(screen.getByTestId('search-more').textContent).toMatch(/Showing 10 of 1,99\d|Showing 10 of 2,000/);
  });

  test('finds by email, company and badge code; says so when nothing matches', async () => {
    installFake();
    render(AttendeeSearch, { props: { debounceMs: 0 } });
    const input = screen.getByTestId('search-input');
    await type(input, 'ana.garcia@lumenlabs.io');
    expect((await screen.findByTestId('search-results')).textContent).toContain('Ana García');
    await type(input, 'ENTRADA-TOM-0002');
    await waitFor(() => expect(screen.getByTestId('search-results').textContent).toContain('Tom Okafor'));
    await type(input, 'zzzz-nobody');
    expect((await screen.findByTestId('search-empty')).textContent).toContain('zzzz-nobody');
  });

  test('check-in goes through the rules and the verdict arrives as a scan-result event', async () => {
    const fake = installFake();
    const verdicts: ScanResult[] = [];
    await on('scan-result', (r) => verdicts.push(r));
    render(AttendeeSearch, { props: { debounceMs: 0 } });
    await type(screen.getByTestId('search-input'), 'Tom Okafor');
    await screen.findByTestId('search-results');
    await fireEvent.click(screen.getAllByTestId('check-in')[0]!);
    await waitFor(() => expect(verdicts).toHaveLength(1));
    expect(fake.calls.some((c) => c.cmd === 'check_in_attendee')).toBe(true);
    expect(verdicts[0]).toMatchObject({ verdict: 'accepted', source: 'manual', attendee: { name: 'Tom Okafor' } });
  });

  test('a slow answer to an older query never overwrites the newer one', async () => {
    const pending: ((v: unknown) => void)[] = [];
    mockIPC((cmd, args) => {
      const query = (args as { query: string }).query;
      const hit = { id: query, name: `Result for ${query}`, email: null, company: null, qrData: query, tags: [], active: true };
      const answer = { total: 1, hits: [hit] };
      if (query === 'old') return new Promise((resolve) => pending.push(() => resolve(answer)));
      return answer;
    });
    render(AttendeeSearch, { props: { debounceMs: 0 } });
    const input = screen.getByTestId('search-input');
    await type(input, 'old');
    await vi.waitFor(() => expect(pending).toHaveLength(1));
    await type(input, 'new');
    await waitFor(() => expect(screen.getByTestId('search-results').textContent).toContain('Result for new'));
    pending[0]!(null);
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId('search-results').textContent).toContain('Result for new');
  });

  test('clearing the field clears the list', async () => {
    installFake();
    render(AttendeeSearch, { props: { debounceMs: 0 } });
    const input = screen.getByTestId('search-input');
    await type(input, 'ana');
    await screen.findByTestId('search-results');
    await type(input, '');
    await waitFor(() => expect(screen.queryByTestId('search-results')).toBeNull());
  });
});

describe('AttendeeSearch keyboard', () => {
  test('Enter checks in the only match; Escape clears', async () => {
    const fake = installFake();
    render(AttendeeSearch, { props: { debounceMs: 0 } });
    const input = screen.getByTestId('search-input');
    await type(input, 'ENTRADA-TOM-0002');
    await screen.findByTestId('search-results');
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(fake.calls.some((c) => c.cmd === 'check_in_attendee')).toBe(true));
    await fireEvent.keyDown(input, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByTestId('search-results')).toBeNull());
    expect((input as HTMLInputElement).value).toBe('');
  });
});
