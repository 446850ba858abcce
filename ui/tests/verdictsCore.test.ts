import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { VERDICT_CODES } from '../src/lib/ipc';
import { VERDICT_TEXTS } from '../src/lib/verdicts';

// The domain crate's verdict table is the one place each verdict's facts live; the UI keeps a
// copy of the screen titles (it renders without a round trip). This guards the copy.
// Vitest runs from ui/.
const CORE = resolve(process.cwd(), '../crates/entrada-domain/src/verdict.rs');

describe('verdict titles match the domain table', () => {
  // The table is part of this repository: a missing file is a failure, not a skip.
  const source = readFileSync(CORE, 'utf8');
  const rows = [...source.matchAll(/code: "(\w+)",[\s\S]*?en: "([^"]*)",\s*es: "([^"]*)"/g)].map((m) => ({
    code: m[1]!,
    en: m[2]!,
    es: m[3]!,
  }));

  test('same codes, same order', () => {
    expect(rows.map((r) => r.code)).toEqual([...VERDICT_CODES]);
  });

  test.each(rows.map((r) => [r.code, r] as const))('%s', (code, row) => {
    const key = code as (typeof VERDICT_CODES)[number];
    expect(VERDICT_TEXTS.en[key].title).toBe(row.en);
    expect(VERDICT_TEXTS.es[key].title).toBe(row.es);
  });
});
