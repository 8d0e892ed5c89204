/**
 * Keyboard shortcuts: a hook that binds single keys while a view is shown (ignored while typing
 * in a field), and the `?` help overlay listing them.
 */
import { useEffect, useRef } from 'preact/hooks';

export function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  // A focused checkbox, radio button, slider or button takes no letters: shortcuts still work after a click on one.
  if (el.tagName === 'INPUT' && ['checkbox', 'radio', 'range', 'button', 'submit'].includes((el as HTMLInputElement).type)) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function useShortcuts(map: Record<string, () => void>): void {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const fn = ref.current[e.key];
      if (!fn) return;
      e.preventDefault();
      fn();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
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

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <div class="overlay" role="dialog" aria-label="Keyboard shortcuts" data-testid="help" onClick={onClose}>
      <div class="overlay-box" onClick={(e) => e.stopPropagation()}>
        <h3>Keyboard shortcuts</h3>
        <table class="grid small">
          <tbody>
            {SHORTCUTS.map(([k, v]) => (
              <tr><td><kbd>{k}</kbd></td><td>{v}</td></tr>
            ))}
          </tbody>
        </table>
        <p class="muted">Viewer: mouse wheel zooms, drag pans; with Measure on, drag to measure in mm.</p>
        <button type="button" onClick={onClose}>Close</button>
      </div>
    </div>
  );
}
