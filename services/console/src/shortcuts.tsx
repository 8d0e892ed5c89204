/**
 * Keyboard shortcuts: a hook that binds single keys while a view is shown (ignored while typing
 * in a field or while a modal dialog is open), and the `?` help overlay listing them, a modal
 * dialog for the keyboard too: focus moves into it, Tab and Shift+Tab stay inside, the page behind
 * is inert, and closing it gives focus back to where it was.
 */
import { useEffect, useRef } from 'preact/hooks';
import { PAN_STEP, PAN_STEP_LARGE } from './pan-steps.ts';

export function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  // A focused checkbox, radio button, slider or button takes no letters: shortcuts still work after a click on one.
  if (el.tagName === 'INPUT' && ['checkbox', 'radio', 'range', 'button', 'submit'].includes((el as HTMLInputElement).type)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** A focused link, button or other control acts on Enter and Space itself: a shortcut must not take those keys from it. */
function activates(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && !!el.matches && el !== document.body && el.matches('a[href], button, input, select, textarea, summary, [role=button], [role=link], [role=application], [tabindex]');
}

export function useShortcuts(map: Record<string, () => void>): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || modalOpen()) return;
      if ((e.key === 'Enter' || e.key === ' ') && activates(e.target)) return;
      const fn = ref.current[e.key];
      if (!fn) return;
      e.preventDefault();
      fn();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

/** Whether a modal dialog is open: the page's shortcuts stay quiet behind it. */
export function modalOpen(): boolean {
  return !!document.querySelector('[aria-modal="true"]');
}

export const SHORTCUTS: Array<[string, string]> = [
  ['n', 'next alert (queue: select the next row; alert: open the next in the queue)'],
  ['p', 'queue: select the previous row'],
  ['Enter / o', 'queue: open the selected alert'],
  ['c', 'claim the alert shown (or renew your claim)'],
  ['d', 'go to the decision form'],
  ['h', "alert: show or hide the model's heat map over the image (class chosen beside the toggle)"],
  ['?', 'show or hide this help'],
  ['Esc', 'close this help'],
];


/** Keys of the image viewer, while its image (the canvas) has focus: Tab to it, or click it. */
export const VIEWER_KEYS: Array<[string, string]> = [
  ['← → ↑ ↓', `pan: move the view over the image by ${PAN_STEP} px`],
  ['Shift + ← → ↑ ↓', `pan by ${PAN_STEP_LARGE} px`],
  ['+ / −', 'zoom in / out around the centre (also = and _)'],
  ['0', 'fit the whole image again'],
  ['Enter', 'with Measure on: mark the point under the centre cross; pan to the other end; Enter again ends the measurement'],
];

const TABBABLE = 'a[href], button:not(:disabled), input:not(:disabled):not([type=hidden]), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])';

/**
 * Makes the element a modal dialog for the keyboard while it is mounted: the rest of the page
 * (the siblings of `backdrop` and of its ancestors) is inert, focus moves to `box`, Tab and
 * Shift+Tab wrap inside it, and on close focus returns to the element that had it before.
 */
function useModal(backdrop: { current: HTMLElement | null }, box: { current: HTMLElement | null }): void {
  useEffect(() => {
    const root = backdrop.current;
    const dialog = box.current;
    if (!root || !dialog) return;
    const before = document.activeElement as HTMLElement | null;
    const made: HTMLElement[] = [];
    for (let el: HTMLElement | null = root; el && el !== document.body; el = el.parentElement) {
      for (const sib of Array.from(el.parentElement?.children ?? [])) {
        if (sib === el || !(sib instanceof HTMLElement) || sib.inert) continue;
        sib.inert = true;
        made.push(sib);
      }
    }
    const tabbable = () => Array.from(dialog.querySelectorAll<HTMLElement>(TABBABLE)).filter((el) => el.getClientRects().length > 0);
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Tab') return;
      const list = tabbable();
      if (list.length === 0) {
        e.preventDefault();
        dialog.focus();
        return;
      }
      const first = list[0]!;
      const last = list[list.length - 1]!;
      const at = document.activeElement;
      if (e.shiftKey && (at === first || at === dialog || !dialog.contains(at))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (at === last || !dialog.contains(at))) {
        e.preventDefault();
        first.focus();
      }
    };
    // Focus that still gets out (an element added behind the dialog after it opened) is brought back.
    const onFocusIn = (e: FocusEvent) => {
      if (e.target instanceof Node && !dialog.contains(e.target)) dialog.focus();
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('focusin', onFocusIn);
    dialog.focus();
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('focusin', onFocusIn);
      for (const el of made) el.inert = false;
      if (before && before !== document.body && before.isConnected) before.focus();
    };
  }, []);
}

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const backdrop = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  useModal(backdrop, box);
  return (
    <div class="overlay" data-testid="help" ref={backdrop} onClick={onClose}>
      <div class="overlay-box" role="dialog" aria-modal="true" aria-labelledby="help-title" tabIndex={-1} ref={box} onClick={(e) => e.stopPropagation()}>
        <h3 id="help-title">Keyboard shortcuts</h3>
        <table class="grid small">
          <tbody>
            {SHORTCUTS.map(([k, v]) => (
              <tr><td><kbd>{k}</kbd></td><td>{v}</td></tr>
            ))}
          </tbody>
          <tbody data-testid="help-viewer-keys">
            <tr><th colSpan={2} scope="colgroup">Image viewer, with the image focused (Tab to it or click it)</th></tr>
            {VIEWER_KEYS.map(([k, v]) => (
              <tr><td><kbd>{k}</kbd></td><td>{v}</td></tr>
            ))}
          </tbody>
        </table>
        <p class="muted">Mouse: the wheel zooms, drag pans; with Measure on, drag to measure in mm.</p>
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </div>
  );
}
