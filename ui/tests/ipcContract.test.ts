import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

// docs/ipc.md is the contract the Rust shell implements; src/lib/ipc.ts is what the UI
// calls. They must list the same commands and events.
const DOC = resolve(process.cwd(), '../docs/ipc.md');
const WRAPPER = resolve(process.cwd(), 'src/lib/ipc.ts');

describe.skipIf(!existsSync(DOC))('docs/ipc.md and src/lib/ipc.ts agree', () => {
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const ts = readFileSync(WRAPPER, 'utf8');
  const docCommands = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!);
  const docEvents = [...doc.matchAll(/^\| `([a-z]+(?:-[a-z]+)+)` \|/gm)].map((m) => m[1]!);
  const tsCommands = [...ts.matchAll(/call<[^>]*(?:<[^>]*>)?[^>]*>\('([a-z_]+)'/g)].map((m) => m[1]!);
  const tsEvents = [...ts.slice(ts.indexOf('interface EventPayloads')).matchAll(/^\s+'([a-z-]+)': /gm)].map((m) => m[1]!);

  test('same commands', () => {
    expect(tsCommands.length).toBeGreaterThan(20);
    expect([...new Set(docCommands)].sort()).toEqual([...new Set(tsCommands)].sort());
  });

  test('same events', () => {
    expect([...new Set(docEvents)].sort()).toEqual([...new Set(tsEvents)].sort());
  });
});
