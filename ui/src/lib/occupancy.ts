/** Occupancy colour thresholds for the dashboard: green < 70 %, amber < 90 %, red >= 90 %. */
export type OccupancyLevel = 'ok' | 'busy' | 'full' | 'unknown';

export const BUSY_AT = 0.7;
export const FULL_AT = 0.9;

export function occupancyRatio(inside: number, capacity: number | null): number | null {
  if (capacity === null || capacity <= 0) return null;
  return inside / capacity;
}

export function occupancyLevel(inside: number, capacity: number | null): OccupancyLevel {
  const r = occupancyRatio(inside, capacity);
  if (r === null) return 'unknown';
  if (r >= FULL_AT) return 'full';
  if (r >= BUSY_AT) return 'busy';
  return 'ok';
}
