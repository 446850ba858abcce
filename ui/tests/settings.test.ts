import { describe, expect, test } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import DeviceSettingsForm from '../src/components/settings/DeviceSettingsForm.svelte';
import WebhookSettings from '../src/components/settings/WebhookSettings.svelte';
import { app, DEFAULT_SETTINGS } from '../src/lib/app.svelte';
import { i18n, resolveLanguage, systemLanguage, t } from '../src/lib/i18n.svelte';
import { installFake } from './fake';

function withSettings() {
  app.applySettings({ ...DEFAULT_SETTINGS, deviceName: 'Door 1' });
}

describe('device settings', () => {
  test('shows the current settings and saves them through settings_set', async () => {
    const fake = installFake();
    withSettings();
    render(DeviceSettingsForm);
    const name = screen.getByTestId('device-name') as HTMLInputElement;
    expect(name.value).toBe('Door 1');
    await fireEvent.input(name, { target: { value: '  North door  ' } });
    await fireEvent.click(screen.getByTestId('sound'));
    await fireEvent.input(screen.getByTestId('kiosk-idle'), { target: { value: '500' } });
    // The browser's own max=60 check would block the click; submit to see Entrada clamp it too.
    await fireEvent.submit(screen.getByTestId('device-settings'));
    await screen.findByText('Saved.');
    const call = fake.calls.find((c) => c.cmd === 'settings_set');
    expect(call?.args).toEqual({
      settings: { deviceName: 'North door', sound: false, language: 'auto', kioskIdleSeconds: 60 },
    });
    expect(app.settings.sound).toBe(false);
  });

  test('switching the language re-renders the screen in Spanish', async () => {
    installFake();
    withSettings();
    render(DeviceSettingsForm);
    await fireEvent.change(screen.getByTestId('language'), { target: { value: 'es' } });
    await fireEvent.click(screen.getByTestId('save-settings'));
    await screen.findByText('Guardado.');
    expect(i18n.lang).toBe('es');
    expect(screen.getByText('Nombre del dispositivo')).toBeTruthy();
  });

  test('a refused save is explained in plain words', async () => {
    installFake();
    withSettings();
    render(DeviceSettingsForm);
    await fireEvent.input(screen.getByTestId('device-name'), { target: { value: '   ' } });
    // `required` blocks the empty field in a browser; submit the form directly to reach the backend.
    await fireEvent.submit(screen.getByTestId('device-settings'));
    expect((await screen.findByRole('alert')).textContent).toBe('Please check what you typed.');
  });
});

describe('language', () => {
  test('auto follows navigator.language; en/es pin it', () => {
    const original = Object.getOwnPropertyDescriptor(window.navigator, 'language');
    Object.defineProperty(window.navigator, 'language', { value: 'es-MX', configurable: true });
    expect(systemLanguage()).toBe('es');
    expect(resolveLanguage('auto')).toBe('es');
    expect(resolveLanguage('en')).toBe('en');
    Object.defineProperty(window.navigator, 'language', { value: 'fr-FR', configurable: true });
    expect(resolveLanguage('auto')).toBe('en');
    if (original) Object.defineProperty(window.navigator, 'language', original);
    else delete (window.navigator as { language?: string }).language;
  });

  test('t() fills placeholders', () => {
    expect(t('sync.backlog', { count: 3 })).toBe('3 to send');
    i18n.set('es');
    expect(t('sync.backlog', { count: 3 })).toBe('3 por enviar');
  });
});

describe('webhook settings', () => {
  test('add shows the secret once; enable/disable, ping and resend reach the backend', async () => {
    const fake = installFake();
    render(WebhookSettings);
    await screen.findByText('checkpoint_reading_created');
    await fireEvent.input(screen.getByTestId('hook-url'), { target: { value: 'https://crm.example.com/in' } });
    await fireEvent.click(screen.getByTestId('hook-add'));
    const secret = await screen.findByTestId('hook-secret');
    expect(secret.textContent).toMatch(/whsec_/);
    expect(fake.calls.find((c) => c.cmd === 'webhooks_add')?.args).toEqual({
      url: 'https://crm.example.com/in',
      topics: ['checkpoint_reading_created'],
    });
    await fireEvent.click(screen.getByText('I have copied it'));
    expect(screen.queryByTestId('hook-secret')).toBeNull();

    await fireEvent.click(screen.getByTestId('hook-enabled'));
    await waitFor(() => expect(fake.webhooks[0]!.enabled).toBe(false));

    await fireEvent.click(screen.getByTestId('hook-ping'));
    await waitFor(() => expect(screen.getByTestId('delivery-log').querySelectorAll('tr')).toHaveLength(1));
    await fireEvent.click(screen.getByTestId('resend'));
    await waitFor(() => expect(screen.getByTestId('delivery-log').querySelectorAll('tr')).toHaveLength(2));
  });

  test('a plain-http webhook URL is refused in plain words', async () => {
    installFake();
    render(WebhookSettings);
    await screen.findByText('checkpoint_reading_created');
    await fireEvent.input(screen.getByTestId('hook-url'), { target: { value: 'http://crm.example.com/in' } });
    await fireEvent.click(screen.getByTestId('hook-add'));
    expect((await screen.findByRole('alert')).textContent).toMatch(/server address is not valid/);
  });
});

describe('plurals', () => {
  test('singular forms where the language has them', () => {
    expect(t('sync.conflicts', { count: 1 })).toBe('1 conflict');
    expect(t('sync.conflicts', { count: 2 })).toBe('2 conflicts');
    i18n.set('es');
    expect(t('hooks.attempts', { count: 1 })).toBe('1 intento');
    expect(t('hooks.attempts', { count: 0 })).toBe('0 intentos');
  });
});
