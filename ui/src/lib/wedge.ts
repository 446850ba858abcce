/**
 * Keyboard-wedge scanner detection.
 *
 * Handheld USB scanners "type" the badge code very fast and finish with Enter. Door
 * mode listens on the whole window, so staff never click into a field first. A scan is
 * a run of at least `minLength` printable keys, each within `maxGapMs` of the previous
 * one, ended by Enter. Keys aimed at an editable element (the search box, a form) are
 * left alone: there the person is typing and the field's own Enter handles it.
 */
export interface WedgeOptions {
  /** Longest pause between two keys of one scan. Humans type slower than ~80 ms. */
  maxGapMs?: number;
  /** Shortest code accepted as a scan. */
  minLength?: number;
}

export interface WedgeKey {
  key: string;
  timeStamp: number;
  target: EventTarget | null;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
}

export function isEditableTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toLowerCase();
  if (tag === 'textarea' || tag === 'select') return true;
  if (tag === 'input') {
    const type = (el as HTMLInputElement).type;
    return !['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file'].includes(type);
  }
  return el.isContentEditable === true;
}

export class KeyboardWedge {
  private buffer = '';
  private lastAt = -Infinity;
  private readonly maxGapMs: number;
  private readonly minLength: number;

  constructor(
    private readonly onScan: (code: string) => void,
    options: WedgeOptions = {},
  ) {
    this.maxGapMs = options.maxGapMs ?? 60;
    this.minLength = options.minLength ?? 4;
  }

  /** Feed one keydown; returns true when it completed a scan (the caller may preventDefault). */
  handle(e: WedgeKey): boolean {
    if (isEditableTarget(e.target) || e.ctrlKey || e.altKey || e.metaKey) {
      this.reset();
      return false;
    }
    const gap = e.timeStamp - this.lastAt;
    if (e.key === 'Enter') {
      const code = this.buffer;
      const fast = gap <= this.maxGapMs;
      this.reset();
      if (fast && code.length >= this.minLength) {
        this.onScan(code);
        return true;
      }
      return false;
    }
    if (e.key.length !== 1) {
      // Shift, CapsLock and friends arrive between characters of a scan: ignore them.
      return false;
    }
    this.buffer = gap <= this.maxGapMs ? this.buffer + e.key : e.key;
    this.lastAt = e.timeStamp;
    return false;
  }

  reset(): void {
    this.buffer = '';
    this.lastAt = -Infinity;
  }
}
