import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/svelte';
import { clearMocks } from '@tauri-apps/api/mocks';
import { i18n } from '../src/lib/i18n.svelte';

afterEach(() => {
  cleanup();
  clearMocks();
  i18n.set('en');
  localStorage.clear();
});
