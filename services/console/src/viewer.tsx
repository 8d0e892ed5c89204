/**
 * The image viewer: both stored 16-bit TIFFs decoded in the browser and drawn on a canvas as
 * attenuation with window/level, gamma and invert, dual-energy material colouring, zoom/pan,
 * the detections' boxes (class, score, model id@version), the model's heat map of a class as a
 * semi-transparent overlay (`h`), distance measurement in mm, and a readout of the pixel under
 * the pointer (position in mm, transmission and attenuation of both energies, material class), and
 * a histogram of the displayed channel's μ beside the window/level controls with the window marked
 * (built once per decoded image; a window change moves only the marker). A scan analysed before
 * heat maps were kept (migration 009) says so instead of showing an empty overlay.
 * The canvas takes keyboard focus (Tab, or a click): then arrow keys pan (Shift: further), + / −
 * zoom around the centre and 0 fits the image (VIEWER_KEYS); its zoom and pan are on its data
 * attributes (zoom, pan-x, pan-y). With Measure on, Enter marks the image point under the centre
 * cross, the arrows pan the other end of the line to the cross, and Enter again ends it: the
 * measurement works without a mouse.
 * Timings (open → first windowed image, last repaint) are kept on window.__cxrTimings and on the
 * canvas' data attributes, for the browser tests to print.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, ok, type Detection, type HeatmapView, type ScanDetail } from './api.ts';
import { PAN_STEP, PAN_STEP_LARGE } from './pan-steps.ts';
import { useShortcuts } from './shortcuts.tsx';
import { fetchTiff, type Raster } from './tiff.ts';
import {
  MATERIAL_NAMES,
  MATERIAL_RULES,
  attenuationTable,
  autoWindow,
  distanceMm,
  greyTable,
  heatLut,
  heatRgba,
  inflateCells,
  materialClasses,
  muHistogram,
  paint,
  readingCounts,
  type Display,
  type MuHistogram,
} from './imaging.ts';
import { DETECTION_CLASSES, HEATMAP_ENCODINGS, type DetectionClass } from './vocab.ts';

declare global {
  interface Window {
    __cxrTimings?: { openMs?: number; repaintMs?: number[]; histogramMs?: number[] };
  }
}

interface Loaded {
  high: Raster;
  low: Raster | null;
  mu: Float32Array;
  auto: { lo: number; hi: number };
  materials: Uint8Array | null;
  /** μ histogram of the high energy (the displayed channel), built once per decoded image. */
  histogram: MuHistogram;
  /** What it cost: the per-reading counting pass (shared with the auto window) and folding into μ bins. */
  histogramMs: { counts: number; bins: number };
  offscreen: HTMLCanvasElement;
  imageData: ImageData;
}

interface Heat {
  view: HeatmapView;
  /** One pixel per cell, coloured; drawn scaled to the cells' size in scan pixels. */
  canvas: HTMLCanvasElement;
}

interface View {
  zoom: number;
  x: number;
  y: number;
}

const WILDLIFE = new Set(['ivory', 'rhino_horn']);

/** Said plainly when the API keeps no heat map for the scan's analysis (instead of an empty overlay). */
export const MISSING_HEATMAP = 'no heat map stored for this analysis; re-analyse to create one';

/**
 * The μ histogram of the displayed channel (log counts, 0 … μmax) with the current window marked.
 * The bars are built once per histogram (useMemo); a window change re-renders only the marker.
 */
function Histogram({ h, display }: { h: MuHistogram; display: Display | null }) {
  const W = 256;
  const H = 44;
  const bars = useMemo(() => {
    const bw = W / h.counts.length;
    const top = Math.log1p(h.peak) || 1;
    let d = '';
    h.counts.forEach((c, b) => {
      if (c === 0) return;
      const y = H - (Math.log1p(c) / top) * H;
      d += `M${(b * bw).toFixed(2)} ${H}V${y.toFixed(2)}h${bw.toFixed(2)}V${H}Z`;
    });
    return d;
  }, [h]);
  const x = (m: number) => Math.min(W, Math.max(0, (m / h.muMax) * W));
  const lo = display ? display.level - display.width / 2 : 0;
  const hi = display ? display.level + display.width / 2 : 0;
  return (
    <svg
      class="histogram"
      data-testid="histogram"
      data-window={`${lo.toFixed(3)} ${hi.toFixed(3)}`}
      data-pixels={String(h.counts.reduce((a, c) => a + c, 0))}
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Histogram of attenuation 0 to ${h.muMax}, window ${lo.toFixed(2)} to ${hi.toFixed(2)}`}
    >
      <title>Attenuation μ of the high energy, pixels per bin (log scale), 0 … {h.muMax}; the marked band is the window</title>
      <rect x={0} y={0} width={W} height={H} fill="#1b1d22" />
      <path d={bars} fill="#9aa0aa" data-testid="histogram-bars" />
      {display && (
        <>
          <rect data-testid="histogram-window" x={x(lo)} y={0} width={Math.max(1, x(hi) - x(lo))} height={H} fill="rgba(0,229,255,0.18)" stroke="#00e5ff" stroke-width={1} />
          <line x1={x(display.level)} x2={x(display.level)} y1={0} y2={H} stroke="#00e5ff" stroke-dasharray="2 2" />
        </>
      )}
    </svg>
  );
}

function boxColour(d: Detection): string {
  if (WILDLIFE.has(d.class)) return '#ff3b3b';
  return '#ffd000';
}

/**
 * `heatmap`: which model's heat map to overlay (`id@version`, default the newest active one that
 * analysed the scan) and the class selected first (the alert's).
 */
export function Viewer({ scan, focus, heatmap }: { scan: ScanDetail; focus?: string[]; heatmap?: { model?: string; cls?: DetectionClass } }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [display, setDisplay] = useState<Display | null>(null);
  const [material, setMaterial] = useState(false);
  const [showBoxes, setShowBoxes] = useState(true);
  /** Candidates below the model's threshold are hidden unless asked for (they clutter a busy scan). */
  const [showAll, setShowAll] = useState(false);
  const [measuring, setMeasuring] = useState(false);
  const [measure, setMeasure] = useState<{ a: { x: number; y: number }; b: { x: number; y: number } } | null>(null);
  const [heatOn, setHeatOn] = useState(false);
  const [heatClass, setHeatClass] = useState<DetectionClass>(heatmap?.cls ?? 'ivory');
  const [heat, setHeat] = useState<Heat | null>(null);
  const [heatError, setHeatError] = useState<string | null>(null);
  /** The image pixel under the pointer (integer), for the readout; null when outside the image. */
  const [pointer, setPointer] = useState<{ x: number; y: number } | null>(null);
  const view = useRef<View>({ zoom: 1, x: 0, y: 0 });
  const openedAt = useRef(0);
  const painted = useRef(false);
  const grey = useRef(new Uint8Array(65536));
  const drag = useRef<{ sx: number; sy: number; vx: number; vy: number; measure: boolean } | null>(null);
  /** A measurement started with Enter: its far end follows the centre cross until Enter again. */
  const keyMeasuring = useRef(false);
  const muMax = MATERIAL_RULES[scan.source.kind]?.muMax ?? 10;

  // Load and decode both energies.
  useEffect(() => {
    let cancelled = false;
    openedAt.current = performance.now();
    painted.current = false;
    setLoaded(null);
    setError(null);
    setMeasure(null);
    keyMeasuring.current = false;
    const hasLow = scan.images.some((i) => i.energy === 'low');
    Promise.all([fetchTiff(scan.scanId, 'high'), hasLow ? fetchTiff(scan.scanId, 'low') : Promise.resolve(null)])
      .then(([high, low]) => {
        if (cancelled) return;
        const mu = attenuationTable(scan.airValue);
        const t0 = performance.now();
        const counts = readingCounts(high.data);
        const t1 = performance.now();
        const auto = autoWindow(high.data, mu, counts);
        const t2 = performance.now();
        const histogram = muHistogram(counts, mu, muMax);
        const histogramMs = { counts: t1 - t0, bins: performance.now() - t2 };
        ((window.__cxrTimings ??= {}).histogramMs ??= []).push(histogramMs.counts + histogramMs.bins);
        const sameSize = low && low.width === high.width && low.height === high.height;
        const materials = sameSize ? materialClasses(high.data, low.data, mu, scan.source.kind) : null;
        const offscreen = document.createElement('canvas');
        offscreen.width = high.width;
        offscreen.height = high.height;
        const imageData = new ImageData(high.width, high.height);
        setLoaded({ high, low: sameSize ? low : null, mu, auto, materials, histogram, histogramMs, offscreen, imageData });
        setDisplay({ level: (auto.lo + auto.hi) / 2, width: auto.hi - auto.lo, gamma: 1, invert: false });
        fit(high);
      })
      .catch((err: Error) => !cancelled && setError(err.message));
    return () => {
      cancelled = true;
    };
  }, [scan.scanId]);

  // The heat map of the selected class, fetched when the overlay is on.
  useEffect(() => {
    if (!heatOn) return;
    let cancelled = false;
    setHeatError(null);
    ok(api.GET('/v1/scans/{scanId}/heatmap', { params: { path: { scanId: scan.scanId }, query: { class: heatClass, model: heatmap?.model } } }))
      .then(async (v) => {
        if (!(HEATMAP_ENCODINGS as readonly string[]).includes(v.encoding)) throw new Error(`heat map encoding ${v.encoding} is not known`);
        const cells = await inflateCells(v.data, v.width * v.height);
        const canvas = document.createElement('canvas');
        canvas.width = v.width;
        canvas.height = v.height;
        const img = new ImageData(v.width, v.height);
        heatRgba(cells, heatLut(v.candidateScore ?? 0.1), img.data);
        canvas.getContext('2d')!.putImageData(img, 0, 0);
        if (!cancelled) setHeat({ view: v, canvas });
      })
      .catch((err: Error) => {
        if (cancelled) return;
        setHeat(null);
        // The scan is there (its detail loaded), so a 404 means no map was kept for this analysis:
        // scans analysed before heat maps existed (migration 009), or pruned with the images.
        setHeatError(err instanceof ApiError && err.status === 404 ? MISSING_HEATMAP : err.message);
      });
    return () => {
      cancelled = true;
    };
  }, [heatOn, heatClass, scan.scanId, heatmap?.model]);

  useShortcuts({ h: () => setHeatOn((on) => !on) });

  function fit(high = loaded?.high): void {
    const c = canvasRef.current;
    if (!c || !high) return;
    const zoom = Math.min(c.width / high.width, c.height / high.height);
    view.current = { zoom, x: (c.width - high.width * zoom) / 2, y: (c.height - high.height * zoom) / 2 };
  }

  // Repaint the image when the display changes.
  useEffect(() => {
    if (!loaded || !display) return;
    const t0 = performance.now();
    greyTable(loaded.mu, display, grey.current);
    paint(loaded.high.data, grey.current, loaded.imageData.data, material && loaded.materials ? loaded.materials : undefined);
    loaded.offscreen.getContext('2d')!.putImageData(loaded.imageData, 0, 0);
    draw();
    const t1 = performance.now();
    const timings = (window.__cxrTimings ??= { repaintMs: [] });
    const c = canvasRef.current!;
    if (!painted.current) {
      painted.current = true;
      timings.openMs = t1 - openedAt.current;
      c.dataset.openMs = timings.openMs.toFixed(1);
      console.info(`[viewer] scan ${scan.scanId}: open → windowed image ${timings.openMs.toFixed(1)} ms`);
    } else {
      (timings.repaintMs ??= []).push(t1 - t0);
      c.dataset.repaintMs = (t1 - t0).toFixed(1);
    }
    c.dataset.paints = String(Number(c.dataset.paints ?? 0) + 1);
  }, [loaded, display, material]);

  useEffect(() => draw(), [showBoxes, showAll, measure, measuring, focus?.join(','), heat, heatOn]);

  // Keep the canvas the size of its box.
  useEffect(() => {
    const wrap = wrapRef.current;
    const c = canvasRef.current;
    if (!wrap || !c) return;
    const resize = () => {
      const w = Math.max(200, Math.floor(wrap.clientWidth));
      const h = Math.max(200, Math.floor(wrap.clientHeight));
      if (c.width === w && c.height === h) return;
      c.width = w;
      c.height = h;
      fit();
      draw();
    };
    resize();
    const ro = new ResizeObserver(resize);
    ro.observe(wrap);
    return () => ro.disconnect();
  }, [loaded]);

  function draw(): void {
    const c = canvasRef.current;
    if (!c || !loaded) return;
    const ctx = c.getContext('2d')!;
    const { zoom, x, y } = view.current;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#111';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.imageSmoothingEnabled = zoom < 1;
    ctx.setTransform(zoom, 0, 0, zoom, x, y);
    ctx.drawImage(loaded.offscreen, 0, 0);
    const overlay = heatOn && heat && heat.view.class === heatClass ? heat : null;
    if (overlay) {
      // Cells drawn as the square blocks they are (no smoothing): what the model saw, not more.
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(overlay.canvas, 0, 0, overlay.view.width * overlay.view.cellWidthPx, overlay.view.height * overlay.view.cellHeightPx);
    }
    c.dataset.heat = overlay ? `${overlay.view.class} ${overlay.view.modelId}@${overlay.view.modelVersion}` : '';
    c.dataset.zoom = zoom.toFixed(4);
    c.dataset.panX = x.toFixed(1);
    c.dataset.panY = y.toFixed(1);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (showBoxes) {
      ctx.font = '12px system-ui, sans-serif';
      for (const d of scan.detections) {
        if (d.shadow) continue;
        if (!showAll && !d.aboveThreshold && !focus?.includes(d.id)) continue;
        const focused = !focus || focus.length === 0 || focus.includes(d.id);
        ctx.strokeStyle = boxColour(d);
        ctx.lineWidth = focused ? 2 : 1;
        ctx.setLineDash(d.aboveThreshold ? [] : [4, 3]);
        const bx = x + d.box.x * zoom;
        const by = y + d.box.y * zoom;
        ctx.strokeRect(bx, by, d.box.width * zoom, d.box.height * zoom);
        const label = `${d.class} ${d.score.toFixed(2)} · ${d.modelId}@${d.modelVersion}`;
        const tw = ctx.measureText(label).width;
        ctx.setLineDash([]);
        ctx.fillStyle = 'rgba(0,0,0,0.7)';
        ctx.fillRect(bx, Math.max(0, by - 16), tw + 6, 15);
        ctx.fillStyle = boxColour(d);
        ctx.fillText(label, bx + 3, Math.max(11, by - 4));
      }
    }
    if (measure) {
      const ax = x + measure.a.x * zoom;
      const ay = y + measure.a.y * zoom;
      const bx = x + measure.b.x * zoom;
      const by = y + measure.b.y * zoom;
      ctx.strokeStyle = '#00e5ff';
      ctx.lineWidth = 2;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(ax, ay);
      ctx.lineTo(bx, by);
      ctx.stroke();
      const mm = distanceMm(measure.a, measure.b, scan.pixelSpacingMm);
      ctx.font = 'bold 13px system-ui, sans-serif';
      ctx.fillStyle = '#00e5ff';
      ctx.fillText(`${mm.toFixed(0)} mm`, bx + 6, by - 6);
    }
    if (measuring) {
      // The centre cross the keyboard measures from (Enter).
      const cx = c.width / 2;
      const cy = c.height / 2;
      ctx.strokeStyle = '#00e5ff';
      ctx.lineWidth = 1;
      ctx.setLineDash([]);
      ctx.beginPath();
      ctx.moveTo(cx - 8, cy);
      ctx.lineTo(cx + 8, cy);
      ctx.moveTo(cx, cy - 8);
      ctx.lineTo(cx, cy + 8);
      ctx.stroke();
    }
  }

  /** The image point under the centre of the canvas (the keyboard's cross). */
  function centrePoint(): { x: number; y: number } {
    const c = canvasRef.current!;
    const v = view.current;
    return { x: (c.width / 2 - v.x) / v.zoom, y: (c.height / 2 - v.y) / v.zoom };
  }

  /** After any change of the view: a measurement started with Enter keeps its far end on the cross. */
  function followCross(): void {
    if (!keyMeasuring.current) return;
    const b = centrePoint();
    setMeasure((m) => (m ? { a: m.a, b } : m));
  }

  function toImage(e: MouseEvent): { x: number; y: number } {
    const c = canvasRef.current!;
    const r = c.getBoundingClientRect();
    const sx = ((e.clientX - r.left) * c.width) / r.width;
    const sy = ((e.clientY - r.top) * c.height) / r.height;
    return { x: (sx - view.current.x) / view.current.zoom, y: (sy - view.current.y) / view.current.zoom };
  }

  function onWheel(e: WheelEvent): void {
    e.preventDefault();
    zoomBy(e.deltaY < 0 ? 1.2 : 1 / 1.2, e);
  }

  function zoomBy(f: number, e?: MouseEvent): void {
    const c = canvasRef.current;
    if (!c) return;
    const r = c.getBoundingClientRect();
    const sx = e ? ((e.clientX - r.left) * c.width) / r.width : c.width / 2;
    const sy = e ? ((e.clientY - r.top) * c.height) / r.height : c.height / 2;
    const v = view.current;
    const zoom = Math.min(32, Math.max(0.05, v.zoom * f));
    view.current = { zoom, x: sx - ((sx - v.x) * zoom) / v.zoom, y: sy - ((sy - v.y) * zoom) / v.zoom };
    followCross();
    draw();
  }

  /** Keys while the canvas has focus (listed in VIEWER_KEYS): arrows move the view over the image, + / − zoom, 0 fits. */
  function onKey(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const step = e.shiftKey ? PAN_STEP_LARGE : PAN_STEP;
    const pan: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const move = pan[e.key];
    if (move) {
      view.current = { ...view.current, x: view.current.x + move[0], y: view.current.y + move[1] };
      followCross();
      draw();
    } else if (e.key === 'Enter' && measuring && loaded) {
      // First Enter starts a line at the cross; the second ends it where the cross now is.
      if (!keyMeasuring.current) {
        const p = centrePoint();
        setMeasure({ a: p, b: p });
      }
      keyMeasuring.current = !keyMeasuring.current;
    } else if (e.key === '+' || e.key === '=') zoomBy(1.25);
    else if (e.key === '-' || e.key === '_') zoomBy(0.8);
    else if (e.key === '0') {
      fit();
      followCross();
      draw();
    } else return;
    e.preventDefault(); // no page scrolling, no browser zoom
  }

  function onDown(e: MouseEvent): void {
    keyMeasuring.current = false;
    if (measuring) {
      const p = toImage(e);
      setMeasure({ a: p, b: p });
      drag.current = { sx: 0, sy: 0, vx: 0, vy: 0, measure: true };
      return;
    }
    drag.current = { sx: e.clientX, sy: e.clientY, vx: view.current.x, vy: view.current.y, measure: false };
  }
  function onMove(e: MouseEvent): void {
    if (loaded) {
      const p = toImage(e);
      const x = Math.floor(p.x);
      const y = Math.floor(p.y);
      const inside = x >= 0 && y >= 0 && x < loaded.high.width && y < loaded.high.height;
      setPointer((old) => (!inside ? null : old && old.x === x && old.y === y ? old : { x, y }));
    }
    const d = drag.current;
    if (!d) return;
    if (d.measure) {
      const b = toImage(e);
      setMeasure((m) => (m ? { a: m.a, b } : m));
      return;
    }
    const c = canvasRef.current!;
    const k = c.width / c.getBoundingClientRect().width;
    view.current = { ...view.current, x: d.vx + (e.clientX - d.sx) * k, y: d.vy + (e.clientY - d.sy) * k };
    draw();
  }
  function onUp(): void {
    drag.current = null;
  }
  function onLeave(): void {
    drag.current = null;
    setPointer(null);
  }

  /** Readout of one pixel: readings, T = v / airValue, μ = −ln T (readings of 0 floored to 1), R and the material class. */
  function readout(p: { x: number; y: number }) {
    const l = loaded!;
    const i = p.y * l.high.width + p.x;
    const energy = (r: Raster | null) => {
      if (!r) return null;
      const v = r.data[i]!;
      return { v, t: v / scan.airValue, mu: l.mu[v]! };
    };
    const high = energy(l.high)!;
    const low = energy(l.low);
    return {
      xMm: (p.x + 0.5) * scan.pixelSpacingMm.x,
      yMm: (p.y + 0.5) * scan.pixelSpacingMm.y,
      high,
      low,
      ratio: low && high.mu > 0 ? low.mu / high.mu : null,
      material: l.materials ? MATERIAL_NAMES[l.materials[i]!] ?? null : null,
    };
  }
  const read = loaded && pointer ? readout(pointer) : null;

  const set = (patch: Partial<Display>) => setDisplay((d) => (d ? { ...d, ...patch } : d));
  const mm = measure ? distanceMm(measure.a, measure.b, scan.pixelSpacingMm) : null;

  return (
    <div class="viewer">
      <div class="viewer-tools">
        <label>
          Level <input data-testid="wl-level" type="range" min={0} max={muMax} step={0.01} value={display?.level ?? 0} onInput={(e) => set({ level: Number(e.currentTarget.value) })} />
          <span class="num">{display?.level.toFixed(2)}</span>
        </label>
        <label>
          Width <input data-testid="wl-width" type="range" min={0.05} max={muMax} step={0.01} value={display?.width ?? 1} onInput={(e) => set({ width: Number(e.currentTarget.value) })} />
          <span class="num">{display?.width.toFixed(2)}</span>
        </label>
        <label>
          Gamma <input data-testid="gamma" type="range" min={0.3} max={3} step={0.05} value={display?.gamma ?? 1} onInput={(e) => set({ gamma: Number(e.currentTarget.value) })} />
          <span class="num">{display?.gamma.toFixed(2)}</span>
        </label>
        <button type="button" data-testid="auto-window" onClick={() => loaded && set({ level: (loaded.auto.lo + loaded.auto.hi) / 2, width: loaded.auto.hi - loaded.auto.lo, gamma: 1 })}>
          Auto
        </button>
        <label>
          <input data-testid="invert" type="checkbox" checked={display?.invert ?? false} onChange={(e) => set({ invert: e.currentTarget.checked })} /> Invert
        </label>
        <label title={loaded && !loaded.materials ? 'needs both energies' : MATERIAL_RULES[scan.source.kind]?.text}>
          <input data-testid="material" type="checkbox" disabled={!!loaded && !loaded.materials} checked={material} onChange={(e) => setMaterial(e.currentTarget.checked)} /> Materials
        </label>
        <label>
          <input type="checkbox" checked={showBoxes} onChange={(e) => setShowBoxes(e.currentTarget.checked)} /> Boxes
        </label>
        <label title="Also draw candidates below the model's threshold (dashed)">
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.currentTarget.checked)} /> Candidates
        </label>
        <label title="The model's score map of a class over the image (h)">
          <input data-testid="heatmap" type="checkbox" checked={heatOn} onChange={(e) => setHeatOn(e.currentTarget.checked)} /> Heat map (h)
        </label>
        <select data-testid="heatmap-class" value={heatClass} onChange={(e) => setHeatClass(e.currentTarget.value as DetectionClass)} title="Class of the heat map">
          {DETECTION_CLASSES.map((k) => <option value={k}>{k.replace('_', ' ')}</option>)}
        </select>
        <button type="button" onClick={() => zoomBy(1.25)} title="Zoom in (or mouse wheel)" aria-label="Zoom in">+</button>
        <button type="button" onClick={() => zoomBy(0.8)} title="Zoom out" aria-label="Zoom out">−</button>
        <button type="button" onClick={() => { fit(); draw(); }}>Fit</button>
        <button type="button" data-testid="measure" aria-pressed={measuring} class={measuring ? 'on' : ''} onClick={() => setMeasuring((m) => !m)}>
          Measure
        </button>
        {mm !== null && <span data-testid="measure-mm" class="num">{mm.toFixed(0)} mm</span>}
      </div>
      {loaded && (
        <div class="histogram-panel small muted" data-counts-ms={loaded.histogramMs.counts.toFixed(2)} data-bins-ms={loaded.histogramMs.bins.toFixed(2)}>
          <Histogram h={loaded.histogram} display={display} />
          <span>
            μ histogram (high energy, log) · window {display ? `${(display.level - display.width / 2).toFixed(2)}–${(display.level + display.width / 2).toFixed(2)}` : '—'}
          </span>
        </div>
      )}
      {material && (
        <div class="legend">
          <span class="sw organic" /> organic <span class="sw mixed" /> mixed <span class="sw metal" /> metal
          <span class="muted"> — R = μlow/μhigh, {MATERIAL_RULES[scan.source.kind]?.text}</span>
        </div>
      )}
      {heatOn && (
        <div class="legend" data-testid="heatmap-legend">
          {heat && heat.view.class === heatClass ? (
            <>
              <span class="sw heat" /> heat map {heat.view.class.replace('_', ' ')} · {heat.view.modelId}@{heat.view.modelVersion} · cells{' '}
              {Math.round(heat.view.cellWidthMm)}×{Math.round(heat.view.cellHeightMm)} mm · peak {heat.view.maxScore.toFixed(2)}
              <span class="muted"> — blue: {(heat.view.candidateScore ?? 0.1).toFixed(2)} (candidate), red: 1; threshold {heat.view.threshold?.toFixed(2) ?? '—'}</span>
            </>
          ) : heatError === MISSING_HEATMAP ? (
            <span data-testid="heatmap-missing">Heat map: {heatError}.</span>
          ) : heatError ? (
            <span class="muted">Heat map: {heatError}</span>
          ) : (
            <span class="muted">Loading the heat map…</span>
          )}
        </div>
      )}
      <div class="viewer-canvas" ref={wrapRef}>
        {error && <div class="error" role="alert">Image: {error}</div>}
        {!loaded && !error && <div class="muted loading">Loading and decoding the 16-bit images…</div>}
        <canvas
          ref={canvasRef}
          data-testid="viewer-canvas"
          class={measuring ? 'measuring' : ''}
          tabIndex={0}
          role="application"
          aria-roledescription="image viewer"
          aria-label={`X-ray image of scan ${scan.scanId}: arrow keys pan, Shift+arrow pans further, plus and minus zoom, 0 fits; with Measure on, Enter starts and ends a measurement from the centre cross`}
          onKeyDown={onKey}
          onWheel={onWheel}
          onMouseDown={onDown}
          onMouseMove={onMove}
          onMouseUp={onUp}
          onMouseLeave={onLeave}
        />
      </div>
      <div class="readout small num" data-testid="readout" data-px={pointer ? `${pointer.x},${pointer.y}` : ''} data-high-t={read ? read.high.t.toFixed(5) : ''}>
        {read ? (
          <>
            x {read.xMm.toFixed(0)} mm, y {read.yMm.toFixed(0)} mm <span class="muted">(pixel {pointer!.x}, {pointer!.y})</span>
            {' · '}high T {read.high.t.toFixed(4)} μ {read.high.mu.toFixed(3)}
            {read.low && <>{' · '}low T {read.low.t.toFixed(4)} μ {read.low.mu.toFixed(3)}</>}
            {read.ratio !== null && <>{' · '}R {read.ratio.toFixed(3)}</>}
            {read.material !== null ? <>{' · '}material <b data-testid="readout-material">{read.material}</b></> : <span class="muted"> · material: needs both energies</span>}
          </>
        ) : (
          <span class="muted">Point at the image for position, transmission, attenuation and material.</span>
        )}
      </div>
    </div>
  );
}
