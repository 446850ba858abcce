import { expect, test } from 'vitest';
import { occupancyLevel } from '../src/lib/occupancy';

test('occupancy colour thresholds: green < 70 %, amber < 90 %, red >= 90 %', () => {
  expect(occupancyLevel(0, 100)).toBe('ok');
  expect(occupancyLevel(69, 100)).toBe('ok');
  expect(occupancyLevel(70, 100)).toBe('busy');
  expect(occupancyLevel(89, 100)).toBe('busy');
  expect(occupancyLevel(90, 100)).toBe('full');
  expect(occupancyLevel(130, 100)).toBe('full');
  expect(occupancyLevel(12, null)).toBe('unknown');
  expect(occupancyLevel(12, 0)).toBe('unknown');
});
