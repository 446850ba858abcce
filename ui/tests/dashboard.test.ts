import { describe, expect, test } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import RoomsOccupancy from '../src/components/dashboard/RoomsOccupancy.svelte';
import FlowChart from '../src/components/dashboard/FlowChart.svelte';
import ConflictsList from '../src/components/dashboard/ConflictsList.svelte';
import DashboardView from '../src/components/dashboard/DashboardView.svelte';
import { installFake } from './fake';

describe('dashboard pieces', () => {
  test('rooms are coloured by occupancy against capacity', () => {
    render(RoomsOccupancy, {
      props: {
        rooms: [
          { id: 'a', name: 'Hall', inside: 10, capacity: 100 },
          { id: 'b', name: 'Workshop', inside: 30, capacity: 40 },
          { id: 'c', name: 'Lounge', inside: 25, capacity: 25 },
          { id: 'd', name: 'Foyer', inside: 7, capacity: null },
        ],
      },
    });
    const levels = screen.getAllByTestId('room').map((el) => el.dataset['level']);
    expect(levels).toEqual(['ok', 'busy', 'full', 'unknown']);
    expect(screen.getAllByTestId('room')[3]!.textContent).toContain('no capacity set');
  });

  test('the flow chart draws one entry and one exit bar per bucket', () => {
    const buckets = Array.from({ length: 12 }, (_, i) => ({
      at: new Date(Date.UTC(2026, 10, 22, 9, i * 15)).toISOString(),
      entries: i * 2,
      exits: i,
    }));
    render(FlowChart, { props: { buckets, bucketMinutes: 15 } });
    const chart = screen.getByTestId('flow-chart');
    expect(chart.querySelectorAll('rect.entries')).toHaveLength(12);
    expect(chart.querySelectorAll('rect.exits')).toHaveLength(12);
    const tallest = [...chart.querySelectorAll('rect.entries')].at(-1)!;
    expect(Number(tallest.getAttribute('height'))).toBeGreaterThan(0);
  });

  test('conflicts show the upstream answer', () => {
    render(ConflictsList, {
      props: {
        conflicts: [
          {
            readingId: 'r1',
            at: '2026-11-22T10:00:00Z',
            attendeeName: 'Lucía Ortega',
            checkpointName: 'VIP lounge',
            deviceName: 'Door 3',
            upstreamStatus: 422,
            upstreamCode: 'attendee_id/invalid',
            upstreamMessage: 'The attendee has reached the maximum readings for this checkpoint',
            verdict: 'max_readings_reached',
          },
        ],
      },
    });
    const text = screen.getByTestId('conflicts').textContent ?? '';
    expect(text).toContain('422 attendee_id/invalid');
    expect(text).toContain('Already used here');
    expect(text).toContain('maximum readings');
  });

  test('the dashboard loads one snapshot and exports CSV through the backend', async () => {
    const fake = installFake();
    render(DashboardView, { props: { pollMs: 60_000 } });
    await screen.findAllByTestId('room');
    expect(fake.calls.find((c) => c.cmd === 'dashboard')?.args).toEqual({ flowBucketMinutes: 15, recentLimit: 30 });
    await fireEvent.click(screen.getByTestId('export-occupancy'));
    await waitFor(() => expect(screen.getByTestId('export-result').textContent).toMatch(/entrada-occupancy/));
    expect(fake.calls.find((c) => c.cmd === 'export_csv')?.args).toEqual({ kind: 'occupancy' });
  });
});
