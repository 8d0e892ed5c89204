/**
 * The console's quality bar from issue 11, checked in the real browser at 1366×768: "Works at
 * 1366×768 and larger; readable contrast (WCAG AA); every control reachable by keyboard; no
 * console errors or failed requests." Nothing else tested it. Against a real server (API +
 * hot-folder adapter + worker on real Redis and SQLite in a temp DATA_DIR, a simulated rhino-horn
 * scan the active model holds), every role's main pages are walked through the login form and the
 * navigation, and on each page:
 *
 * 1. layout: the page does not scroll sideways (scrollWidth ≤ innerWidth), and every visible
 *    control, scrolled into view, lies inside the viewport and is the element found at its own
 *    centre (nothing covers or clips it);
 * 2. contrast: every visible text (elements with their own text, SVG text, the text of inputs,
 *    selects and placeholders) against its effective background — the ancestors' background
 *    colours composited up to the first opaque one, the text colour blended by its alpha and the
 *    opacities above it — is at least 4.5:1, or 3:1 for large text (≥ 24px, or ≥ 18.66px bold).
 *    Disabled controls are exempt (WCAG 1.4.3, inactive components); text drawn on the image
 *    canvas is pixels, not DOM, and is not checked;
 * 3. keyboard: Tab from the top of the page reaches every visible enabled link, button, input,
 *    select and textarea; focus never lands on something invisible; every such control has an
 *    accessible name (aria-labelledby, aria-label, a label, its text, or title — not a placeholder)
 *    with a letter or digit in it; anything that looks clickable (cursor: pointer) is a control,
 *    holds one, or sits in one;
 * 4. no console error, no uncaught page error, no failed request and no answer ≥ 400 during the
 *    whole walk, except the ones listed in EXPECTED (the login page's session probe);
 * 5. non-text contrast (WCAG 1.4.11): every visible enabled button, field, select, checkbox and
 *    slider has a boundary — its border, composited over its own background, or without a border
 *    its fill — of at least 3:1 against the background it sits on; text-only buttons are judged by
 *    their text (2.); a checkbox or slider the browser paints itself (appearance: auto) fails, since
 *    its computed border is not what is drawn;
 * 6. visible focus (WCAG 2.4.7): every element the Tab walk of 3. reaches shows an outline of at
 *    least 2px (not the browser's `auto` ring) at 3:1 or more against what lies just outside it.
 *
 * With a modal dialog open (aria-modal) only its controls count. The shortcut help is also checked
 * as a modal (labelled, takes focus, keeps it through Tab and Shift+Tab, gives it back on Escape
 * and on Close, lists the viewer's keys), and the image viewer from the keyboard (the canvas is
 * focusable and named; focused, arrows pan — Shift further — + / − zoom and 0 fits, seen on its
 * data-zoom / data-pan-x / data-pan-y and its pixels; unfocused, those keys do nothing).
 *
 * The layout checks (1.) run again at 1920×1080 and 2560×1440 over every role's main pages and an
 * alert: "1366×768 and larger".
 *
 * Offenders are reported with a selector, the colours and the ratio; each page prints its lowest and
 * highest control-boundary ratio and its lowest focus-ring ratio. About 25 s (most of it the worker
 * analysing the scan with the committed models).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_STATUSES, STATUS_COLOURS } from '#services/console/src/vocab.ts';
import { waitFor } from '../helpers/packages.ts';
import { buildConsoleIfStale, launchChromium, startConsoleSystem, type ConsoleSystem, type Person } from './harness.ts';

const LANE = 'lane-qa';
const VIEWPORT = { width: 1366, height: 768 };
/** "1366×768 and larger": the layout checks again on common larger screens. */
const LARGER = [{ width: 1920, height: 1080 }, { width: 2560, height: 1440 }];

/** Answers ≥ 400 the walk provokes on purpose, with why; anything else fails the test. */
const EXPECTED: Array<{ method: string; path: RegExp; status: number; why: string }> = [
  { method: 'GET', path: /^\/v1\/auth\/me$/, status: 401, why: 'the login page asks whether a session exists; 401 = show the form' },
];

/** What goes wrong in one browser context over the whole walk: console errors, page errors, failed requests, answers ≥ 400. */
interface Watch {
  problems: string[];
  /** Stops recording (before the context closes, which aborts the open event stream). */
  stop(): void;
}

function watch(page: Page): Watch {
  const problems: string[] = [];
  const provoked = new Set<string>();
  let on = true;
  const where = () => new URL(page.url()).pathname;
  page.on('console', (m) => {
    if (!on || m.type() !== 'error') return;
    // Chromium logs every answer ≥ 400 as "Failed to load resource"; the expected ones are not errors of the console.
    if (/^Failed to load resource/.test(m.text()) && provoked.has(m.location().url)) return;
    problems.push(`console error on ${where()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => on && problems.push(`page error on ${where()}: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!on) return;
    const url = new URL(r.url());
    // The lane view closes its event stream when the operator leaves it: the browser reports that as aborted.
    if (url.pathname === '/v1/events' && /ERR_ABORTED/.test(r.failure()?.errorText ?? '')) return;
    problems.push(`request failed on ${where()}: ${r.method()} ${url.pathname}${url.search} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (!on || r.status() < 400) return;
    const url = new URL(r.url());
    const method = r.request().method();
    if (EXPECTED.some((e) => e.method === method && e.path.test(url.pathname) && e.status === r.status())) {
      provoked.add(r.url());
      return;
    }
    problems.push(`answer ${r.status()} on ${where()}: ${method} ${url.pathname}${url.search}`);
  });
  return {
    problems,
    stop: () => {
      on = false;
    },
  };
}

/**
 * The checks that run inside the page, as plain JavaScript (not transpiled, so nothing the test
 * runner adds to functions reaches the browser). Installs window.__qa.
 */
const IN_PAGE = String.raw`
(() => {
  const FOCUSABLE = 'a[href], button, input:not([type=hidden]), select, textarea, [tabindex], summary, [contenteditable=""], [contenteditable=true]';
  const SKIP_TEXT = new Set(['SCRIPT', 'STYLE', 'TITLE', 'OPTION', 'OPTGROUP', 'CANVAS', 'NOSCRIPT', 'TEMPLATE', 'DESC']);
  const TEXT_INPUTS = new Set(['', 'text', 'password', 'number', 'search', 'email', 'url', 'tel', 'date', 'datetime-local', 'time', 'month', 'week']);
  const cache = new Map();
  const cv = document.createElement('canvas');
  cv.width = cv.height = 1;
  const cx = cv.getContext('2d', { willReadFrequently: true });
  function rgba(c) {
    if (cache.has(c)) return cache.get(c);
    let out;
    const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(c);
    if (m) out = [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
    else {
      // Any other colour syntax: let the canvas convert it.
      cx.clearRect(0, 0, 1, 1);
      cx.fillStyle = 'rgba(0,0,0,0)';
      cx.fillStyle = c;
      cx.fillRect(0, 0, 1, 1);
      const d = cx.getImageData(0, 0, 1, 1).data;
      out = [d[0], d[1], d[2], d[3] / 255];
    }
    cache.set(c, out);
    return out;
  }
  const over = (top, base) => [0, 1, 2].map((i) => top[i] * top[3] + base[i] * (1 - top[3])).concat(1);
  const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  const lin = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
  const lum = (c) => 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
  const contrast = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let base = [255, 255, 255, 1]; // nothing painted: the browser's white canvas
    for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
    return base;
  }
  function opacity(el) {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  }
  function describe(el) {
    const parts = [];
    for (let e = el, i = 0; e && e !== document.body && i < 4; e = e.parentElement, i++) {
      let s = e.tagName.toLowerCase();
      if (e.id) s += '#' + e.id;
      const tid = e.getAttribute('data-testid');
      if (tid) s += '[data-testid=' + tid + ']';
      const name = e.getAttribute('name');
      if (name) s += '[name=' + name + ']';
      const cls = (e.getAttribute('class') || '').trim();
      if (cls) s += '.' + cls.split(/\s+/).join('.');
      parts.unshift(s);
    }
    return parts.join(' > ');
  }
  function shown(el) {
    if (!el.getClientRects().length) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    if (getComputedStyle(el).visibility !== 'visible') return false;
    for (let e = el; e; e = e.parentElement) if (getComputedStyle(e).opacity === '0') return false;
    return true;
  }
  const disabled = (el) => !!el.closest(':disabled, [aria-disabled=true]');
  /** An open modal dialog, when there is one: the page behind it is inert, so only its controls count. */
  const scope = () => document.querySelector('[aria-modal=true]') || document.body;
  function controls() {
    return Array.from(scope().querySelectorAll(FOCUSABLE)).filter((el) => {
      if (el.hasAttribute('tabindex') && !el.matches('a[href], button, input, select, textarea, summary') && el.tabIndex < 0) return false;
      return shown(el) && !disabled(el);
    });
  }
  function labelText(label) {
    const copy = label.cloneNode(true);
    copy.querySelectorAll('input, select, textarea, button').forEach((c) => c.remove());
    return copy.textContent.replace(/\s+/g, ' ').trim();
  }
  function accessibleName(el) {
    const by = el.getAttribute('aria-labelledby');
    if (by) {
      const t = by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
      if (t) return t;
    }
    const aria = (el.getAttribute('aria-label') || '').trim();
    if (aria) return aria;
    if (el.labels && el.labels.length) {
      const t = Array.from(el.labels).map(labelText).join(' ').trim();
      if (t) return t;
    }
    if (el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type) && el.value.trim()) return el.value.trim();
    if (!['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) {
      const t = (el.innerText || '').replace(/\s+/g, ' ').trim() || Array.from(el.querySelectorAll('img[alt]')).map((i) => i.alt).join(' ').trim();
      if (t) return t;
    }
    return (el.getAttribute('title') || '').trim();
  }

  const SIDES = ['Top', 'Right', 'Bottom', 'Left'];
  /** The effective background next to el's border box, outside it at distance d (px) on each side in the viewport. */
  function around(el, d) {
    const r = el.getBoundingClientRect();
    const points = [[r.left + r.width / 2, r.top - d], [r.right + d, r.top + r.height / 2], [r.left + r.width / 2, r.bottom + d], [r.left - d, r.top + r.height / 2]];
    const out = [];
    for (const [x, y] of points) {
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
      const hit = document.elementsFromPoint(x, y).find((e) => e !== el && !el.contains(e));
      if (hit) out.push(background(hit));
    }
    return out.length ? out : [background(el.parentElement || document.body)];
  }
  /** The boundary of a control (WCAG 1.4.11): its visible border, else its own fill, against the background around it. */
  function boundary(el) {
    const s = getComputedStyle(el);
    const adjacent = background(el.parentElement || document.body);
    const own = background(el);
    const sides = SIDES.filter((k) => parseFloat(s['border' + k + 'Width']) > 0 && !['none', 'hidden'].includes(s['border' + k + 'Style']) && rgba(s['border' + k + 'Color'])[3] > 0);
    let ratio, colour, what;
    if (sides.length) {
      // The border is painted over the control's own background (background-clip: border-box).
      const cs = sides.map((k) => over(rgba(s['border' + k + 'Color']), own));
      const ratios = cs.map((c) => contrast(c, adjacent));
      ratio = Math.min(...ratios);
      colour = cs[ratios.indexOf(ratio)];
      what = 'border';
    } else {
      ratio = contrast(own, adjacent);
      colour = own;
      what = 'fill';
    }
    // A native checkbox, radio button or slider is painted by the browser: its computed border is not what is drawn.
    const native = el.tagName === 'INPUT' && ['checkbox', 'radio', 'range', 'color', 'file'].includes(el.type) && s.appearance !== 'none';
    return { ratio, what, colour: hex(colour), on: hex(adjacent), native };
  }
  /** Whether el shows a focus indicator now: an outline at least 2px wide, and its contrast with what lies around it. */
  function indicator(el) {
    const s = getComputedStyle(el);
    const width = parseFloat(s.outlineWidth) || 0;
    const style = s.outlineStyle;
    const offset = parseFloat(s.outlineOffset) || 0;
    const colour = rgba(s.outlineColor);
    const desc = style + ' ' + width + 'px ' + s.outlineColor + ' offset ' + offset + 'px';
    if (style === 'none' || width <= 0) return { ok: false, ratio: 1, desc: 'no outline (' + desc + ')' };
    // Outside the border box (offset ≥ 0) the ring lies on what surrounds the element; inside, on its own background.
    const bgs = offset >= 0 ? around(el, offset + width / 2) : [background(el)];
    const ratio = Math.min(...bgs.map((bg) => contrast(over(colour, bg), bg)));
    return { ok: width >= 2 && style !== 'auto' && ratio >= 3, ratio, desc: desc + ' on ' + bgs.map(hex).join('/') };
  }

  window.__qa = {
    /** 1b. Non-text contrast: each visible enabled button, field, select, checkbox and slider against its background. */
    boundaries() {
      const problems = [];
      const measured = [];
      let textOnly = 0;
      for (const el of controls()) {
        if (!el.matches('button, input:not([type=hidden]), select, textarea')) continue;
        const b = boundary(el);
        // A button drawn as text only (no border, no fill of its own) is identified by its text, checked by contrast().
        if (el.tagName === 'BUTTON' && b.what === 'fill' && b.ratio === 1 && (el.innerText || '').trim()) {
          textOnly++;
          continue;
        }
        measured.push({ what: describe(el), ratio: b.ratio });
        if (b.native) problems.push(describe(el) + ': drawn by the browser (appearance: ' + getComputedStyle(el).appearance + '), its boundary is not the computed ' + b.what + ' ' + b.colour + ' (' + b.ratio.toFixed(2) + ':1)');
        else if (b.ratio < 3) problems.push(describe(el) + ': ' + b.what + ' ' + b.colour + ' on ' + b.on + ' = ' + b.ratio.toFixed(2) + ' < 3');
      }
      measured.sort((a, b) => a.ratio - b.ratio);
      return { problems, checked: measured.length, textOnly, min: measured[0] || null, max: measured[measured.length - 1] || null };
    },
    /** 1. Sideways scrolling, controls outside the viewport or covered. */
    layout() {
      const problems = [];
      const sw = document.documentElement.scrollWidth;
      if (sw > innerWidth) problems.push('the page scrolls sideways: scrollWidth ' + sw + ' > innerWidth ' + innerWidth);
      for (const el of controls()) {
        el.scrollIntoView({ block: 'center', inline: 'nearest' });
        const r = el.getBoundingClientRect();
        if (r.left < -0.5 || r.right > innerWidth + 0.5) {
          problems.push(describe(el) + ': outside the viewport horizontally (' + Math.round(r.left) + '…' + Math.round(r.right) + ')');
          continue;
        }
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const own = hit && (hit === el || el.contains(hit) || (el.labels && Array.from(el.labels).some((l) => l.contains(hit))));
        if (!own) problems.push(describe(el) + ': covered at its centre by ' + (hit ? describe(hit) : 'nothing (clipped)'));
      }
      window.scrollTo(0, 0);
      return problems;
    },
    /** 2. WCAG AA contrast of every visible text. */
    contrast() {
      const problems = [];
      let checked = 0;
      for (const el of document.body.querySelectorAll('*')) {
        if (SKIP_TEXT.has(el.tagName.toUpperCase()) || el.closest('canvas, option, title') || disabled(el)) continue;
        const svg = el instanceof SVGElement;
        let colour = null;
        let what = '';
        const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join('').replace(/\s+/g, ' ').trim();
        if (el.tagName === 'INPUT' && TEXT_INPUTS.has(el.getAttribute('type') || '')) {
          if (el.value) { colour = getComputedStyle(el).color; what = el.value; }
          else if (el.placeholder) { colour = getComputedStyle(el, '::placeholder').color; what = 'placeholder "' + el.placeholder + '"'; }
        } else if (el.tagName === 'TEXTAREA') {
          if (el.value) { colour = getComputedStyle(el).color; what = el.value; }
          else if (el.placeholder) { colour = getComputedStyle(el, '::placeholder').color; what = 'placeholder "' + el.placeholder + '"'; }
        } else if (el.tagName === 'SELECT') {
          colour = getComputedStyle(el).color;
          what = (el.selectedOptions[0] || {}).textContent || '';
        } else if (own) {
          colour = svg ? getComputedStyle(el).fill : getComputedStyle(el).color;
          what = own;
        }
        if (!colour || !shown(el)) continue;
        const s = getComputedStyle(el);
        const size = parseFloat(s.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
        const need = large ? 3 : 4.5;
        const bg = background(el);
        const fgRaw = rgba(colour);
        const fg = over([fgRaw[0], fgRaw[1], fgRaw[2], fgRaw[3] * opacity(el)], bg);
        const ratio = contrast(fg, bg);
        checked++;
        if (ratio < need) {
          problems.push(describe(el) + ' "' + what.slice(0, 40) + '": ' + hex(fg) + ' on ' + hex(bg) + ' = ' + ratio.toFixed(2) + ' < ' + need + ' (' + size + 'px ' + s.fontWeight + ')');
        }
      }
      return { problems, checked };
    },
    /** 3a. Marks the visible enabled controls (data-qa-focus) and checks their names and clickable-looking elements. */
    controls() {
      document.querySelectorAll('[data-qa-focus]').forEach((el) => el.removeAttribute('data-qa-focus'));
      const list = controls();
      const problems = [];
      list.forEach((el, i) => {
        el.setAttribute('data-qa-focus', String(i));
        const name = accessibleName(el);
        if (!name) problems.push(describe(el) + ': no accessible name (aria-label, label, text or title)');
        else if (!/[\p{L}\p{N}]/u.test(name)) problems.push(describe(el) + ': its name "' + name + '" is only symbols');
      });
      // Looks clickable (the element where cursor: pointer starts) but is no control, holds none and sits in none.
      for (const el of document.body.querySelectorAll('*')) {
        if (!shown(el) || getComputedStyle(el).cursor !== 'pointer') continue;
        if (el.parentElement && getComputedStyle(el.parentElement).cursor === 'pointer') continue;
        if (el.matches(FOCUSABLE) || el.closest(FOCUSABLE) || el.querySelector(FOCUSABLE)) continue;
        if (el.tagName === 'LABEL' && el.control) continue;
        problems.push(describe(el) + ': looks clickable (cursor: pointer) but the keyboard cannot reach it');
      }
      return { ids: list.map((el, i) => ({ id: String(i), what: describe(el) })), problems };
    },
    /** 3b. The sequential focus navigation starts from the top of the document. */
    toTop() {
      window.scrollTo(0, 0);
      if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute('tabindex');
    },
    focused() {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      return { id: el.getAttribute('data-qa-focus'), what: describe(el), shown: shown(el), indicator: indicator(el) };
    },
  };
})();
`;

interface QaResult {
  layout: string[];
  contrast: string[];
  /** Control boundaries (WCAG 1.4.11) below 3:1, or not measurable (drawn by the browser). */
  boundaries: string[];
  keyboard: string[];
  names: string[];
  /** Tabbed elements without a focus indicator (WCAG 2.4.7) of ≥ 2px and ≥ 3:1. */
  focus: string[];
  checkedTexts: number;
  controls: number;
  /** Control boundaries measured (text-only buttons aside) and the lowest and highest ratio. */
  boundary: { checked: number; textOnly: number; min: Measured | null; max: Measured | null };
  /** Focus indicators measured along the Tab walk and the lowest ratio. */
  indicators: { checked: number; min: Measured | null };
}

interface Measured {
  what: string;
  ratio: number;
}

interface Focused {
  id: string | null;
  what: string;
  shown: boolean;
  indicator: { ok: boolean; ratio: number; desc: string };
}

/** The page's checks (window.__qa), as the test calls them. */
interface Qa {
  layout(): string[];
  contrast(): { problems: string[]; checked: number };
  boundaries(): { problems: string[]; checked: number; textOnly: number; min: Measured | null; max: Measured | null };
  controls(): { ids: Array<{ id: string; what: string }>; problems: string[] };
  toTop(): void;
  focused(): Focused | null;
}


/** All the page checks (the watch covers the errors) on the page as it is now. */
async function check(page: Page): Promise<QaResult> {
  await page.evaluate(IN_PAGE);
  const layout = await page.evaluate(() => (window as unknown as { __qa: Qa }).__qa.layout());
  const contrast = await page.evaluate(() => (window as unknown as { __qa: Qa }).__qa.contrast());
  const boundaries = await page.evaluate(() => (window as unknown as { __qa: Qa }).__qa.boundaries());
  const controls = await page.evaluate(() => (window as unknown as { __qa: Qa }).__qa.controls());
  await page.evaluate(() => (window as unknown as { __qa: Qa }).__qa.toTop());
  const seen = new Set<string>();
  const keyboard: string[] = [];
  const focus: string[] = [];
  const indicators: Measured[] = [];
  for (let i = 0; i < controls.ids.length + 10 && seen.size < controls.ids.length; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => (window as unknown as { __qa: Qa }).__qa.focused());
    if (!f) continue;
    if (f.id !== null) {
      if (!seen.has(f.id)) {
        indicators.push({ what: f.what, ratio: f.indicator.ratio });
        if (!f.indicator.ok) focus.push(`${f.what}: focus indicator ${f.indicator.desc}, ${f.indicator.ratio.toFixed(2)}:1 (needs ≥ 2px, ≥ 3:1)`);
      }
      seen.add(f.id);
    } else if (!f.shown) keyboard.push(`Tab reaches something invisible: ${f.what}`);
  }
  for (const c of controls.ids) if (!seen.has(c.id)) keyboard.push(`not reached with Tab: ${c.what}`);
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  indicators.sort((a, b) => a.ratio - b.ratio);
  return {
    layout,
    contrast: contrast.problems,
    boundaries: boundaries.problems,
    keyboard: [...new Set(keyboard)],
    names: controls.problems,
    focus,
    checkedTexts: contrast.checked,
    controls: controls.ids.length,
    boundary: { checked: boundaries.checked, textOnly: boundaries.textOnly, min: boundaries.min, max: boundaries.max },
    indicators: { checked: indicators.length, min: indicators[0] ?? null },
  };
}

/** A digest of the canvas' pixels, to see that a key changed what is drawn. */
function canvasHash(page: Page): Promise<string> {
  return page.evaluate(() => {
    const c = document.querySelector<HTMLCanvasElement>('[data-testid=viewer-canvas]')!;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 7) h = Math.imul(h ^ d[i]!, 16777619);
    return `${c.width}x${c.height}:${(h >>> 0).toString(16)}`;
  });
}

/** The viewer's zoom and pan, as the canvas' data attributes tell them. */
async function viewOf(page: Page): Promise<{ zoom: number; x: number; y: number }> {
  const v = await page.$eval('[data-testid=viewer-canvas]', (c) => ({ zoom: (c as HTMLElement).dataset.zoom, x: (c as HTMLElement).dataset.panX, y: (c as HTMLElement).dataset.panY }));
  return { zoom: Number(v.zoom), x: Number(v.x), y: Number(v.y) };
}

describe('console quality bar at 1366×768: layout, contrast, keyboard, no errors', () => {
  let sys: ConsoleSystem;
  let api: { url: string };
  let browser: Browser;
  let heldScan: string;
  const people = {} as Record<'operator' | 'inspector' | 'supervisor' | 'admin', Person>;
  /** Per page: what the checks found (all pages are walked before anything is asserted per role). */
  const found: Record<string, QaResult> = {};


  /** A 1366×768 (or `viewport`) context, watched from its first request, signed in through the login form (checked first when `loginPage`). */
  async function signInAt1366(who: Person, loginPage?: string, viewport: { width: number; height: number } = VIEWPORT): Promise<{ page: Page; w: Watch }> {
    const ctx = await browser.newContext({ viewport });
    const page = await ctx.newPage();
    const w = watch(page);
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${api.url}/`);
    await page.waitForSelector('[data-testid=login-form]');
    if (loginPage) found[loginPage] = await check(page);
    await page.fill('input[name=username]', who.username);
    await page.fill('input[name=password]', who.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    return { page, w };
  }
  async function go(page: Page, nav: string): Promise<void> {
    await page.click(`nav [data-nav="${nav}"]`);
    await page.waitForURL((u) => u.pathname === nav);
  }

  /** Every finding of the pages named, one line each, for one failing assertion per check. */
  function report(pages: string[], key: 'layout' | 'contrast' | 'boundaries' | 'keyboard' | 'names' | 'focus'): string[] {
    const lines = pages.flatMap((p) => (found[p]?.[key] ?? ['not checked']).map((line) => `${p}: ${line}`));
    const counts = new Map<string, number>();
    for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
    return [...counts].map(([l, n]) => (n > 1 ? `${l} (×${n})` : l));
  }
  function expectClean(pages: string[], w: Watch): void {
    const r = (m: Measured | null) => (m ? `${m.ratio.toFixed(2)}:1 (${m.what.split(' > ').pop()})` : '—');
    for (const p of pages) {
      const f = found[p];
      console.log(`[quality] ${p}: ${f?.checkedTexts} texts, ${f?.controls} controls checked`);
      if (!f) continue;
      console.log(`[quality] ${p}: control boundaries ${f.boundary.checked} (+${f.boundary.textOnly} text-only buttons), lowest ${r(f.boundary.min)}, highest ${r(f.boundary.max)}; focus indicators ${f.indicators.checked}, lowest ${r(f.indicators.min)}`);
    }
    expect.soft(report(pages, 'layout'), 'layout at 1366×768').toEqual([]);
    expect.soft(report(pages, 'contrast'), 'WCAG AA contrast').toEqual([]);
    expect.soft(report(pages, 'boundaries'), 'control boundaries ≥ 3:1 (WCAG 1.4.11)').toEqual([]);
    expect.soft(report(pages, 'focus'), 'a visible focus indicator ≥ 3:1 on every tabbed control (WCAG 2.4.7)').toEqual([]);
    expect.soft(report(pages, 'keyboard'), 'every control reachable with Tab').toEqual([]);
    expect.soft(report(pages, 'names'), 'accessible names, clickable things reachable').toEqual([]);
    expect.soft(w.problems, 'console errors and failed requests').toEqual([]);
  }

  beforeAll(async () => {
    buildConsoleIfStale();
    sys = await startConsoleSystem('console-quality');
    api = { url: sys.url };
    const person = (role: string, lanes?: string[]) => sys.person(role, lanes);
    people.admin = sys.admin;
    people.operator = await person('operator', [LANE]);
    people.inspector = await person('inspector');
    people.supervisor = await person('supervisor');

    // A rhino-horn scan the active model holds, and a quarantined package for the rejections panel.
    await sys.dropBroken(LANE, 'broken-pkg');
    heldScan = await sys.drop(LANE, 'rhino_horn', 500, 3);
    const done = await waitFor(async () => {
      const res = await fetch(`${api.url}/v1/scans?lane=${LANE}&limit=10`, { headers: { authorization: `Bearer ${people.supervisor.token}` } });
      const page = (await res.json()) as { items: Array<{ scanId: string; status: string; verdict: string | null }> };
      return page.items.find((s) => s.scanId === heldScan && (s.status === 'analysed' || s.status === 'failed'));
    }, 150_000, 250);
    if (done.verdict !== 'alert') throw new Error(`scan ${heldScan} was not held (${done.status}, ${done.verdict}): the walk needs an alert`);
    browser = await launchChromium();
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.close();
  });

  it('operator: the login page and the lane view with a held scan', async () => {
    const { page, w } = await signInAt1366(people.operator, 'login');
    await page.waitForURL((u) => u.pathname === '/lanes');
    await page.waitForSelector('[data-testid=live]:has-text("live")');
    await page.waitForSelector(`[data-testid=verdict][data-scan-id="${heldScan}"]`, { timeout: 20_000 });
    await page.waitForSelector('[data-testid=inspection-form]');
    await page.waitForSelector('[data-testid=rejections] >> text=broken-pkg', { timeout: 20_000 });
    found.lanes = await check(page);
    w.stop();
    await page.context().close();
    expectClean(['login', 'lanes'], w);
  });

  it('inspector: the queue and an alert with its image viewer open', async () => {
    const { page, w } = await signInAt1366(people.inspector);
    await page.waitForURL((u) => u.pathname === '/queue');
    await page.waitForSelector('[data-testid=queue] tbody tr');
    found.queue = await check(page);
    // The shortcut help over the queue, a modal dialog: opened with `?` from the Refresh button, focus
    // moves into it, Tab and Shift+Tab stay inside, Escape closes it and gives focus back.
    const dialog = '[data-testid=help] [role=dialog]';
    const focusIn = (sel: string) => page.evaluate((s) => !!document.activeElement && !!document.querySelector(s)?.contains(document.activeElement), sel);
    const focusedName = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? document.activeElement?.tagName ?? '');
    await page.focus('button:has-text("Refresh")');
    await page.keyboard.press('?');
    await page.waitForSelector(dialog);
    const modal = await page.$eval(dialog, (d) => ({
      modal: d.getAttribute('aria-modal'),
      name: (d.getAttribute('aria-labelledby') ?? '').split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim() || d.getAttribute('aria-label'),
      text: (d as HTMLElement).innerText,
    }));
    expect.soft(modal.modal, 'the help is aria-modal').toBe('true');
    expect.soft(modal.name, 'the help dialog is labelled').toBe('Keyboard shortcuts');
    for (const key of ['←', '→', '↑', '↓', 'Shift', '+', '−', '0']) expect.soft(modal.text, `the help lists the viewer key ${key}`).toContain(key);
    await page.waitForFunction((s) => !!document.querySelector(s)?.contains(document.activeElement), dialog, { timeout: 2_000 }).catch(() => {});
    expect.soft(await focusIn(dialog), 'focus moves into the help when it opens').toBe(true);
    const escaped: string[] = [];
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Tab']) {
      await page.keyboard.press(key);
      if (!(await focusIn(dialog))) escaped.push(`${key} → ${await focusedName()}`);
    }
    expect.soft(escaped, 'Tab and Shift+Tab stay inside the help').toEqual([]);
    found['shortcuts help'] = await check(page);
    await page.focus(`${dialog} button:has-text("Close")`);
    await page.focus('button:has-text("Refresh")').catch(() => {}); // the page behind is inert: focus stays in the help
    expect.soft(await focusIn(dialog), 'the page behind the help takes no focus').toBe(true);
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help]', { state: 'detached' });
    expect.soft(await focusedName(), 'Escape gives focus back to the Refresh button').toBe('Refresh');
    // Opened from the header's ? button with Enter and closed with its Close button: focus back on the ? button.
    await page.focus('header button[aria-label^="Keyboard shortcuts"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector(dialog);
    await page.waitForFunction((s) => !!document.querySelector(s)?.contains(document.activeElement), dialog, { timeout: 2_000 }).catch(() => {});
    expect.soft(await focusIn(dialog), 'focus moves into the help opened from the ? button').toBe(true);
    await page.click(`${dialog} button:has-text("Close")`);
    await page.waitForSelector('[data-testid=help]', { state: 'detached' });
    expect.soft(await focusedName(), 'closing gives focus back to the ? button').toBe('Keyboard shortcuts (?)');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.click('[data-testid=queue] tbody tr a');
    await page.waitForSelector('[data-testid=alert-page]');
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('[data-testid=viewer-canvas]')?.dataset.paints ?? 0) >= 1, undefined, { timeout: 30_000 });
    found.alert = await check(page);
    // The viewer from the keyboard: the canvas takes focus (with a name), arrows pan, Shift more, + / − zoom, 0 fits.
    const canvas = page.locator('[data-testid=viewer-canvas]');
    expect.soft(await canvas.getAttribute('tabindex'), 'the canvas is focusable').toBe('0');
    expect.soft((await canvas.getAttribute('aria-label')) ?? '', 'the canvas has an accessible name').toMatch(/[\p{L}]{3}/u);
    const fitted = await viewOf(page);
    const fittedPixels = await canvasHash(page);
    await page.keyboard.press('ArrowRight'); // focus elsewhere (none): the keys are not the viewer's
    await page.keyboard.press('0');
    expect.soft(await viewOf(page), 'arrows and 0 do nothing while the canvas is not focused').toEqual(fitted);
    await canvas.focus();
    // Whether each key reached the page consumed (preventDefault: no page scrolling, no browser zoom), seen after the canvas' handler.
    await page.evaluate(() => {
      const w = window as unknown as { __keys: string[] };
      w.__keys = [];
      window.addEventListener('keydown', (e) => e.key !== 'Shift' && w.__keys.push(`${e.key}${e.defaultPrevented ? '' : ' (not consumed)'}`));
    });
    const keyed: Array<{ key: string; view: { zoom: number; x: number; y: number }; pixels: string }> = [];
    for (const key of ['ArrowRight', 'Shift+ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp', '+', '-', '-', '0']) {
      await page.keyboard.press(key);
      keyed.push({ key, view: await viewOf(page), pixels: await canvasHash(page) });
    }
    console.log(`[quality] viewer keys from ${JSON.stringify(fitted)}: ${keyed.map((k) => `${k.key} → ${JSON.stringify(k.view)}`).join(', ')}`);
    const [right, shiftRight, down, left, up, plus, minus, minus2, zero] = keyed as [typeof keyed[0], typeof keyed[0], typeof keyed[0], typeof keyed[0], typeof keyed[0], typeof keyed[0], typeof keyed[0], typeof keyed[0], typeof keyed[0]];
    expect.soft(right.view.x, 'ArrowRight moves the view right (the image left)').toBeLessThan(fitted.x);
    expect.soft(right.view.y, 'ArrowRight keeps y').toBe(fitted.y);
    expect.soft(right.pixels, 'ArrowRight changes the pixels').not.toBe(fittedPixels);
    expect.soft(right.view.x - shiftRight.view.x, 'Shift+ArrowRight pans further than ArrowRight').toBeGreaterThan(2 * (fitted.x - right.view.x));
    expect.soft(down.view.y, 'ArrowDown moves the view down').toBeLessThan(fitted.y);
    expect.soft(left.view.x, 'ArrowLeft moves the view left').toBeGreaterThan(shiftRight.view.x);
    expect.soft(up.view.y, 'ArrowUp moves the view up').toBeCloseTo(fitted.y, 5);
    expect.soft(plus.view.zoom, '+ zooms in').toBeGreaterThan(up.view.zoom);
    expect.soft(plus.pixels, '+ changes the pixels').not.toBe(up.pixels);
    expect.soft(minus.view.zoom, '- zooms out').toBeLessThan(plus.view.zoom);
    expect.soft(minus2.view.zoom, '- again zooms out further').toBeLessThan(minus.view.zoom);
    expect.soft(zero.view, '0 fits the image again').toEqual(fitted);
    expect.soft(zero.pixels, '0 draws the fitted image again').toBe(fittedPixels);
    expect.soft(await page.evaluate(() => (window as unknown as { __keys: string[] }).__keys), 'the viewer consumes its keys').toEqual(['ArrowRight', 'ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp', '+', '-', '-', '0']);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    // With the material colouring, the heat map and measuring on: their legends and the pressed button too.
    await page.click('[data-testid=measure]');
    await page.waitForSelector('[data-testid=measure][aria-pressed=true]');
    await page.locator('[data-testid=material]').check();
    await page.locator('[data-testid=heatmap]').check();
    await page.waitForFunction(() => (document.querySelector<HTMLCanvasElement>('[data-testid=viewer-canvas]')?.dataset.heat ?? '') !== '', undefined, { timeout: 15_000 });
    found['alert+materials+heatmap'] = await check(page);
    // Claimed with the keyboard: the decision form enabled, Release shown, the in-review badge.
    await page.keyboard.press('c');
    await page.waitForSelector('[data-testid=notice] >> text=Claimed');
    await page.waitForSelector('.badge[data-status=in_review]');
    found['alert, claimed'] = await check(page);
    // The badge of every other state, as StatusBadge draws it (its data-status and background), beside the real one.
    await page.evaluate(
      ({ statuses, colours }) => {
        const real = document.querySelector<HTMLElement>('[data-testid=alert-page] .badge')!;
        for (const s of statuses) {
          const b = real.cloneNode() as HTMLElement;
          b.dataset.status = s;
          b.style.background = colours[s]!;
          b.textContent = s.replace('_', ' ');
          b.classList.add('qa-badge');
          real.after(b);
        }
      },
      { statuses: [...ALERT_STATUSES], colours: STATUS_COLOURS as Record<string, string> },
    );
    found['every status badge'] = { ...(await check(page)), layout: [], keyboard: [], names: [] };
    w.stop();
    await page.context().close();
    expectClean(['queue', 'shortcuts help', 'alert', 'alert+materials+heatmap', 'alert, claimed', 'every status badge'], w);
  });

  it('supervisor: the dashboard and the audit browser', async () => {
    const { page, w } = await signInAt1366(people.supervisor);
    await page.waitForURL((u) => u.pathname === '/dashboard');
    await page.waitForSelector('[data-testid=status-bars]');
    await page.waitForSelector('[data-testid=shadow-comparison] p');
    found.dashboard = await check(page);
    await go(page, '/audit');
    await page.waitForSelector('[data-testid=audit] tbody tr');
    await page.waitForSelector('[data-testid=audit-verify]');
    found.audit = await check(page);
    w.stop();
    await page.context().close();
    expectClean(['dashboard', 'audit'], w);
  });

  it('larger screens (1920×1080, 2560×1440): every role’s main pages, no sideways scroll, every control inside and uncovered', async () => {
    const problems: string[] = [];
    for (const viewport of LARGER) {
      const at = `${viewport.width}×${viewport.height}`;
      const walk = async (who: Person, first: string, pages: Array<[string, string]>, extra?: (page: Page) => Promise<void>) => {
        const { page, w } = await signInAt1366(who, undefined, viewport);
        await page.waitForURL((u) => u.pathname === first);
        for (const [nav, ready] of pages) {
          if (nav !== first) await go(page, nav);
          await page.waitForSelector(ready);
          problems.push(...(await check(page)).layout.map((l) => `${at} ${nav}: ${l}`));
        }
        if (extra) await extra(page);
        w.stop();
        problems.push(...w.problems.map((l) => `${at}: ${l}`));
        await page.context().close();
      };
      await walk(people.operator, '/lanes', [['/lanes', `[data-testid=verdict][data-scan-id="${heldScan}"]`]]);
      await walk(people.inspector, '/queue', [['/queue', '[data-testid=queue] tbody tr']], async (page) => {
        await page.click('[data-testid=queue] tbody tr a');
        await page.waitForSelector('[data-testid=alert-page]');
        problems.push(...(await check(page)).layout.map((l) => `${at} alert: ${l}`));
      });
      await walk(people.supervisor, '/dashboard', [['/dashboard', '[data-testid=status-bars]'], ['/audit', '[data-testid=audit] tbody tr']]);
      await walk(people.admin, '/dashboard', [
        ['/admin/users', '[data-testid=users] tbody tr'],
        ['/admin/keys', '[data-testid=keys]'],
        ['/admin/models', '[data-testid=models] tbody tr'],
        ['/admin/calibrations', '[data-testid=calibrations-empty], [data-testid=calibrations] tbody tr'],
      ]);
    }
    expect(problems).toEqual([]);
  });

  it('admin: dashboard, users, API keys (a token shown), models and calibrations', async () => {
    const { page, w } = await signInAt1366(people.admin);
    await page.waitForURL((u) => u.pathname === '/dashboard');
    await page.waitForSelector('[data-testid=totals]');
    found['admin dashboard'] = await check(page);
    await go(page, '/admin/users');
    await page.waitForSelector('[data-testid=users] tbody tr');
    found.users = await check(page);
    // A row's password form open.
    await page.click('[data-testid=users] tbody tr [data-testid=set-password]');
    await page.waitForSelector('[data-testid=users] input[name=set-password]');
    found['users, set password'] = await check(page);
    await go(page, '/admin/keys');
    await page.fill('input[name=key-label]', 'Lane qa scanner');
    await page.fill('input[name=key-lanes]', LANE);
    await page.click('[data-testid=create-key]');
    await page.waitForSelector('[data-testid=key-token] code');
    await page.waitForSelector('[data-testid=keys] tbody tr');
    found.keys = await check(page);
    await go(page, '/admin/models');
    await page.waitForSelector('[data-testid=models] tbody tr');
    found.models = await check(page);
    await go(page, '/admin/calibrations');
    await page.waitForSelector('[data-testid=calibrations-empty], [data-testid=calibrations] tbody tr');
    found.calibrations = await check(page);
    w.stop();
    await page.context().close();
    expectClean(['admin dashboard', 'users', 'users, set password', 'keys', 'models', 'calibrations'], w);
  });
});
