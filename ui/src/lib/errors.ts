import { t } from './i18n.svelte';
import { toIpcError } from './ipc';
import type { MessageKey } from './messages';

/** A failed command in plain words for the screen; the backend's detail is kept after it. */
export function errorText(err: unknown): string {
  const e = toIpcError(err);
  const key = `error.${e.code}` as MessageKey;
  const plain = t(key);
  return plain && !plain.startsWith('error.') ? plain : e.message;
}

export function errorDetail(err: unknown): string {
  return toIpcError(err).message;
}
