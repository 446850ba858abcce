/**
 * The UI language: `auto` follows `navigator.language` (Spanish for any `es-*`,
 * English otherwise); settings can pin `en` or `es`. Reading `t()` inside a component
 * template is reactive: switching the language re-renders every text.
 */
import type { Language } from './ipc';
import { en, es, type MessageKey } from './messages';
import { verdictText, type UiLanguage, type VerdictText } from './verdicts';

export function systemLanguage(): UiLanguage {
  const nav = typeof navigator !== 'undefined' ? navigator.language : 'en';
  return nav.toLowerCase().startsWith('es') ? 'es' : 'en';
}

export function resolveLanguage(setting: Language): UiLanguage {
  return setting === 'auto' ? systemLanguage() : setting;
}

const state = $state({ lang: systemLanguage() as UiLanguage });

export const i18n = {
  get lang(): UiLanguage {
    return state.lang;
  },
  set(setting: Language): void {
    state.lang = resolveLanguage(setting);
    if (typeof document !== 'undefined') document.documentElement.lang = state.lang;
  },
};

const tables: Record<UiLanguage, Record<MessageKey, string>> = { en, es };

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const table = tables[state.lang];
  const count = params?.['count'];
  const singular = `${key}.one` as MessageKey;
  if (typeof count === 'number' && singular in table && new Intl.PluralRules(state.lang).select(count) === 'one') {
    key = singular;
  }
  let text: string = table[key] ?? en[key] ?? key;
  if (params) {
    for (const [k, v] of Object.entries(params)) {
      text = text.replaceAll(`{${k}}`, typeof v === 'number' ? v.toLocaleString(state.lang) : v);
    }
  }
  return text;
}

export function tv(code: string): VerdictText {
  return verdictText(code, state.lang);
}

export function formatTime(at: string | null): string {
  if (!at) return '–';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  return d.toLocaleTimeString(state.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatNumber(n: number): string {
  return n.toLocaleString(state.lang);
}
