/**
 * The console repeats the API's vocabularies (it may import nothing of the server) and does its
 * image arithmetic in the browser: this checks the copies against services/core and the
 * arithmetic against the server's definitions, without a browser.
 */
import { describe, expect, it } from 'vitest';
import * as core from '#services/core/review.ts';
import { AUDIT_ACTIONS } from '#services/core/audit.ts';
import { DETECTION_CLASSES, WILDLIFE_CLASSES } from '#services/core/domain.ts';
import { HEATMAP_ENCODINGS, HEATMAP_LEVELS, encodeHeatmap } from '#services/core/heatmap.ts';
import { attenuation } from '#services/core/imaging.ts';
import { FALSE_ALARM_KINDS, STATS_GROUP_BY } from '#services/stats/stats-service.ts';
import * as vocab from '#services/console/src/vocab.ts';
import { MATERIAL_METAL, MATERIAL_MIXED, MATERIAL_NONE, MATERIAL_ORGANIC, attenuationTable, autoWindow, distanceMm, greyTable, heatLut, heatRgba, inflateCells, materialClasses, muHistogram, readingCounts } from '#services/console/src/imaging.ts';

describe('console vocabularies', () => {
  it('match services/core', () => {
    expect(vocab.ALERT_STATUSES).toEqual(core.ALERT_STATUSES);
    expect(vocab.FINAL_ALERT_STATUSES).toEqual(core.FINAL_ALERT_STATUSES);
    expect(vocab.CLEAR_REASONS).toEqual(core.CLEAR_REASONS);
    expect(vocab.DECISIONS).toEqual(core.DECISIONS);
    expect(vocab.INSPECTION_OUTCOMES).toEqual(core.INSPECTION_OUTCOMES);
    expect(vocab.DETECTION_CLASSES).toEqual(DETECTION_CLASSES);
    expect(vocab.WILDLIFE_CLASSES).toEqual(WILDLIFE_CLASSES);
    expect(vocab.ALERT_LIST_ORDERS).toEqual(core.ALERT_LIST_ORDERS);
    expect(vocab.FALSE_ALARM_KINDS).toEqual(FALSE_ALARM_KINDS);
    expect(vocab.STATS_GROUP_BY).toEqual(STATS_GROUP_BY);
    expect(vocab.AUDIT_ACTIONS).toEqual(AUDIT_ACTIONS);
    expect(vocab.HEATMAP_ENCODINGS).toEqual(HEATMAP_ENCODINGS);
    expect(vocab.HEATMAP_LEVELS).toBe(HEATMAP_LEVELS);
  });
});

describe('console imaging', () => {
  const air = 60000;
  const mu = attenuationTable(air);

  it('attenuation is the server definition −ln(v/air), floored at 1', () => {
    for (const v of [0, 1, 17, 3000, 59999, 60000, 65535]) expect(mu[v]).toBeCloseTo(attenuation(v, air), 5);
  });

  it('window/level: dense is dark, invert flips, outside the window clamps', () => {
    const g = greyTable(mu, { level: 2, width: 2, gamma: 1, invert: false });
    const v = (m: number) => Math.round(air * Math.exp(-m)); // reading with attenuation m
    expect(g[v(0.5)]).toBe(255);
    expect(g[v(3.5)]).toBe(0);
    expect(g[v(1.5)]!).toBeGreaterThan(g[v(2.5)]!);
    const inv = greyTable(mu, { level: 2, width: 2, gamma: 1, invert: true });
    expect(inv[v(2.5)]).toBe(255 - g[v(2.5)]!);
    const gamma = greyTable(mu, { level: 2, width: 2, gamma: 2, invert: false });
    expect(gamma[v(2)]!).toBeGreaterThan(g[v(2)]!);
  });

  it('the μ histogram counts every pixel once, in the bin of its attenuation (clamped to 0 … μmax)', () => {
    const v = (m: number) => Math.round(air * Math.exp(-m));
    const data = Uint16Array.from([v(0.01), v(0.01), v(2.52), v(5.1), v(7.5), 65535, 0]); // 65535 > air: μ < 0; 0: μ ≈ 11
    const h = muHistogram(readingCounts(data), mu, 10, 4); // bins of 2.5
    expect([...h.counts]).toEqual([3, 1, 1, 2]);
    expect(h.peak).toBe(3);
    expect(h.counts.reduce((a, c) => a + c, 0)).toBe(data.length);
    // The shared counting pass gives the auto window the same answer as counting on its own.
    expect(autoWindow(data, mu, readingCounts(data))).toEqual(autoWindow(data, mu));
  });

  it('auto window spans the 1st–99th percentile of attenuation', () => {
    const data = new Uint16Array(1000);
    for (let i = 0; i < 1000; i++) data[i] = Math.round(air * Math.exp(-(i / 100))); // μ 0 … 9.99
    const w = autoWindow(data, mu);
    expect(w.lo).toBeGreaterThan(0.05);
    expect(w.lo).toBeLessThan(0.15);
    expect(w.hi).toBeGreaterThan(9.8);
    expect(w.hi).toBeLessThan(9.95);
  });

  it('material classes follow the documented ratio thresholds per source kind', () => {
    const reading = (m: number) => Math.round(air * Math.exp(-m));
    const pair = (muHigh: number, ratio: number) => [reading(muHigh), reading(muHigh * ratio)] as const;
    const cases: Array<[string, number, number, number]> = [
      ['linac', 2, 1.25, MATERIAL_ORGANIC],
      ['linac', 2, 1.165, MATERIAL_MIXED],
      ['linac', 2, 1.1, MATERIAL_METAL],
      ['linac', 0.2, 1.25, MATERIAL_NONE], // too thin to class
      ['tube', 1, 1.2, MATERIAL_ORGANIC],
      ['tube', 1, 1.9, MATERIAL_MIXED],
      ['tube', 1, 2.6, MATERIAL_METAL],
    ];
    for (const [kind, m, r, want] of cases) {
      const [h, l] = pair(m, r);
      expect(materialClasses(Uint16Array.of(h), Uint16Array.of(l), mu, kind as 'linac' | 'tube')[0], `${kind} μ=${m} R=${r}`).toBe(want);
    }
  });

  it('distance uses the pixel spacing per axis', () => {
    expect(distanceMm({ x: 0, y: 0 }, { x: 3, y: 4 }, { x: 1, y: 1 })).toBe(5);
    expect(distanceMm({ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 5, y: 2 })).toBe(50);
  });

  it('heat maps: the browser inflates what the server deflates; cells below the floor stay transparent, hotter is redder and more opaque', async () => {
    const scores = Float64Array.from([0, 0.05, 0.2, 0.5, 0.9, 1, 0.3, 0.7]);
    const { data } = encodeHeatmap(scores, 4, 4, 2);
    const cells = await inflateCells(data.toString('base64'), 8);
    expect([...cells]).toEqual([...scores].map((v) => Math.round(v * 255)));
    await expect(inflateCells(data.toString('base64'), 9)).rejects.toThrow(/expected 9/);
    const rgba = heatRgba(cells, heatLut(0.2));
    const px = (i: number) => [...rgba.subarray(i * 4, i * 4 + 4)];
    expect(px(0)[3]).toBe(0);
    expect(px(1)[3]).toBe(0);
    expect(px(2)[3]).toBeGreaterThan(0);
    expect(px(5)[3]!).toBeGreaterThan(px(3)[3]!);
    expect(px(5)[0]).toBe(255); // 1.0 is red
    expect(px(2)[2]).toBeGreaterThan(px(2)[0]!); // at the floor, blue
  });
});
