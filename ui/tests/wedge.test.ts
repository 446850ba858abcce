import { describe, expect, test, vi } from 'vitest';
import { KeyboardWedge, isEditableTarget } from '../src/lib/wedge';

function feed(wedge: KeyboardWedge, keys: string[], start = 1000, gap = 8, target: EventTarget | null = document.body) {
  let t = start;
  const results = keys.map((key) => {
    t += gap;
    return wedge.handle({ key, timeStamp: t, target });
  });
  return results;
}

describe('KeyboardWedge', () => {
  test('fast keystrokes ending in Enter are a scan', () => {
    const onScan = vi.fn();
    const results = feed(new KeyboardWedge(onScan), [...'ENTRADA-0001', 'Enter']);
    expect(onScan).toHaveBeenCalledWith('ENTRADA-0001');
    expect(results.at(-1)).toBe(true);
  });

  test('human-speed typing is not a scan', () => {
    const onScan = vi.fn();
    feed(new KeyboardWedge(onScan), [...'hello', 'Enter'], 1000, 180);
    expect(onScan).not.toHaveBeenCalled();
  });

  test('a pause restarts the buffer: only the fast tail counts', () => {
    const onScan = vi.fn();
    const wedge = new KeyboardWedge(onScan);
    feed(wedge, [...'xy'], 0, 200);
    feed(wedge, [...'CODE1234', 'Enter'], 5000, 5);
    expect(onScan).toHaveBeenCalledWith('CODE1234');
  });

  test('keys aimed at an input are left to the input', () => {
    const onScan = vi.fn();
    const input = document.createElement('input');
    feed(new KeyboardWedge(onScan), [...'ENTRADA-0001', 'Enter'], 0, 5, input);
    expect(onScan).not.toHaveBeenCalled();
  });

  test('modifier keys between characters (Shift) do not break a scan; shortcuts do', () => {
    const onScan = vi.fn();
    const wedge = new KeyboardWedge(onScan);
    feed(wedge, ['Shift', 'A', 'Shift', 'B', 'C', 'D', 'Enter'], 0, 5);
    expect(onScan).toHaveBeenCalledWith('ABCD');
    onScan.mockClear();
    wedge.handle({ key: 'A', timeStamp: 10_000, target: document.body });
    wedge.handle({ key: 'c', timeStamp: 10_005, target: document.body, ctrlKey: true });
    feed(wedge, ['Enter'], 10_005, 5);
    expect(onScan).not.toHaveBeenCalled();
  });

  test('codes shorter than the minimum are ignored', () => {
    const onScan = vi.fn();
    feed(new KeyboardWedge(onScan, { minLength: 4 }), [...'ab', 'Enter'], 0, 5);
    expect(onScan).not.toHaveBeenCalled();
  });

  test('editable targets', () => {
    const text = document.createElement('input');
    const box = document.createElement('input');
    box.type = 'checkbox';
    expect(isEditableTarget(text)).toBe(true);
    expect(isEditableTarget(box)).toBe(false);
    expect(isEditableTarget(document.createElement('textarea'))).toBe(true);
    expect(isEditableTarget(document.createElement('button'))).toBe(false);
    expect(isEditableTarget(window)).toBe(false);
  });
});
