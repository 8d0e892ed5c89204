/**
 * npm run thresholds: wildlife thresholds re-fitted on a site's benign scans of a scanner the model
 * never saw (a held-out family, with its calibration package), written as a new model version the
 * registry accepts; refusals for contraband in the benign folder, too few scans and a taken version.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScanPackage } from '#adapter/scan-package/write.ts';
import { drawScanner, simulateCalibration, simulateScan, writeCalibrationPackage } from '#adapter/simulator/index.ts';
import { fitSiteThresholds, raisedThreshold } from '#models/evaluation/site-thresholds.ts';
import { loadModelDir } from '#services/model-registry/registry.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MODEL = 'wildlife-timber-fcn';
const FROM = JSON.parse(await fs.readFile(path.join(ROOT, 'models/registry.json'), 'utf8')).active[MODEL] as string;
const N = 12;

describe('raisedThreshold', () => {
  it('sits just above the (allowed + 1)-th highest benign score and never below the card', () => {
    const maxima = [0.99, 0.95, 0.9, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01];
    expect(raisedThreshold(maxima, 0.1, 0.5)).toBe(0.950001); // one of ten may stay above
    expect(maxima.filter((m) => m >= raisedThreshold(maxima, 0.1, 0.5))).toEqual([0.99]);
    expect(raisedThreshold(maxima, 0.05, 0.5)).toBe(0.990001); // none of ten may
    expect(raisedThreshold([0.1, 0.2], 0.05, 0.8)).toBe(0.8); // benign scans far below: the card stays
  });
});

describe('site thresholds on a held-out scanner', () => {
  let tmp: string;
  let models: string;
  let benign: string;

  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'cxr-site-thr-'));
    models = path.join(tmp, 'models');
    benign = path.join(tmp, 'benign');
    await fs.mkdir(path.join(models, MODEL), { recursive: true });
    await fs.symlink(path.join(ROOT, 'models', MODEL, FROM), path.join(models, MODEL, FROM));
    const scanner = drawScanner(4242, 'linac-9/6-cu'); // a family no model trained or calibrated on
    const cal = simulateCalibration(scanner, 4242);
    await writeCalibrationPackage(path.join(benign, cal.calibration.calibrationId), cal);
    for (let i = 0; i < N; i++) {
      const s = simulateScan({ seed: 61_000, index: i, scenario: 'benign', scanner, conveyance: 'truck' });
      await writeScanPackage(path.join(benign, s.metadata.scanId), s.metadata, { width: s.width, height: s.height, data: s.high }, { width: s.width, height: s.height, data: s.low });
    }
  }, 120_000);

  afterAll(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('writes a new version: same network, wildlife thresholds raised to the benign budget, loadable by the registry', async () => {
    const rate = 0.1; // one of 12 benign scans may stay above
    const r = await fitSiteThresholds({ modelsDir: models, modelId: MODEL, fromVersion: FROM, newVersion: `${FROM}-site.test`, benignDir: benign, perClassFalseAlarmRate: rate, minScans: N });
    expect(r.scans).toBe(N);
    const loaded = await loadModelDir(r.dir!);
    const original = await loadModelDir(path.join(models, MODEL, FROM));
    expect(loaded.card.sha256).toBe(original.card.sha256);
    expect(loaded.card.version).toBe(`${FROM}-site.test`);
    const site = loaded.card.siteThresholds!;
    expect(site.fromVersion).toBe(FROM);
    expect(site.benignScans).toBe(N);
    expect(site.scanners).toEqual([expect.stringMatching(/\S/)]);
    for (const cls of ['ivory', 'rhino_horn'] as const) {
      const c = site.classes[cls]!;
      expect(c.from).toBe(original.card.thresholds[cls].score);
      expect(c.to).toBeGreaterThanOrEqual(c.from);
      expect(loaded.card.thresholds[cls].score).toBe(c.to);
      expect(c.benignAlarmsAfter).toBeLessThanOrEqual(Math.floor(rate * N));
      // Raised exactly when the card's threshold let more benign scans through than allowed.
      expect(c.to > c.from).toBe(c.benignAlarmsBefore > Math.floor(rate * N));
    }
    expect(loaded.card.thresholds.timber).toEqual(original.card.thresholds.timber);
    expect(loaded.card.limits.at(-1)).toMatch(/benign scans of this site's scanners/);
  }, 300_000);

  it('refuses too few scans, a version that exists, and a benign folder holding contraband', async () => {
    const base = { modelsDir: models, modelId: MODEL, fromVersion: FROM, benignDir: benign, perClassFalseAlarmRate: 0.1 };
    await expect(fitSiteThresholds({ ...base, newVersion: `${FROM}-site.few`, minScans: N + 1 })).rejects.toThrow(/12 benign scan\(s\).*at least 13/);
    await expect(fitSiteThresholds({ ...base, newVersion: FROM, minScans: 1 })).rejects.toThrow(/exists already/);
    const s = simulateScan({ seed: 500, index: 3, scenario: 'rhino_horn', source: 'linac', conveyance: 'truck' });
    await writeScanPackage(path.join(benign, s.metadata.scanId), s.metadata, { width: s.width, height: s.height, data: s.high }, { width: s.width, height: s.height, data: s.low }, s.truth);
    await expect(fitSiteThresholds({ ...base, newVersion: `${FROM}-site.bad`, minScans: 1, dryRun: true })).rejects.toThrow(/list ivory or rhino horn/);
  }, 300_000);
});
