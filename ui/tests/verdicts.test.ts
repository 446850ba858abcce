import { describe, expect, test } from 'vitest';
import { VERDICT_CODES } from '../src/lib/ipc';
import { VERDICT_TEXTS } from '../src/lib/verdicts';
import { en, es } from '../src/lib/messages';

describe('screen text tables', () => {
  test.each(['en', 'es'] as const)('%s has a title, a staff reason and a kiosk text for every verdict code', (lang) => {
    for (const code of VERDICT_CODES) {
      const text = VERDICT_TEXTS[lang][code];
      expect(text.title.trim(), `${lang}/${code}`).not.toBe('');
      expect(text.detail.trim(), `${lang}/${code}`).not.toBe('');
      expect(text.kiosk.trim(), `${lang}/${code}`).not.toBe('');
    }
    expect(Object.keys(VERDICT_TEXTS[lang]).sort()).toEqual([...VERDICT_CODES].sort());
  });

  test('Spanish has exactly the English keys and keeps every placeholder', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const placeholders = text.match(/\{\w+\}/g) ?? [];
      for (const p of placeholders) expect(es[key as keyof typeof en], key).toContain(p);
    }
  });
});
