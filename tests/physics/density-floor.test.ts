/**
 * The physical floor on a timber load's density (services/core/physics/density-floor.ts): the wood
 * line inverts exactly, only containers and trucks bound the path, and on simulated container and
 * truck loads seen by held-out scanners through their own calibration profiles the floor never
 * exceeds the wood's true density (beyond the profile's ±5 %) and still says something about it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { polyChannel } from '#services/core/physics/channel.ts';
import { densityFloor, MAX_PATH_CM, woodAreaDensity } from '#services/core/physics/density-floor.ts';
import { nominalResponse } from '#services/core/physics/response.ts';
import type { ModelCard } from '#services/model-registry/card.ts';
import { simulatedScans } from '#models/evaluation/labelled-scans.ts';
import { regionDensityFloor } from '#workers/analysis/postprocess.ts';
import { buildModelInput } from '#workers/analysis/preprocess.ts';

describe('woodAreaDensity', () => {
  it.each([
    ['linac 6/4 MeV', nominalResponse({ kind: 'linac', highMeV: 6, lowMeV: 4 })],
    ['tube 160/80 kVp', nominalResponse({ kind: 'tube', highKVp: 160, lowKVp: 80 })],
  ])('inverts the wood line of the high channel (%s)', (_name, response) => {
    const ch = polyChannel(response.high, ['wood']);
    for (const t of [0.5, 20, 150, 280]) expect(woodAreaDensity(response.high, ch.attenuation([t]))).toBeCloseTo(t, 3);
    expect(woodAreaDensity(response.high, 0)).toBe(0);
    expect(woodAreaDensity(response.high, -0.2)).toBe(0);
  });
});

describe('densityFloor', () => {
  it('divides by the widest load space of containers and trucks, and gives none for pallets and parcels', () => {
    expect(MAX_PATH_CM).toEqual({ container: 246, truck: 260 });
    expect(densityFloor(147.6, 'container')).toBeCloseTo(0.6, 9);
    expect(densityFloor(130, 'truck')).toBeCloseTo(0.5, 9);
    for (const c of ['pallet', 'parcel', undefined] as const) expect(densityFloor(200, c)).toBeNull();
    expect(densityFloor(0, 'container')).toBeNull();
  });
});

describe('the floor on simulated timber loads (held-out linac scanners, calibration profiles)', () => {
  const card = JSON.parse(readFileSync(new URL('../../models/wildlife-timber-fcn/2.4.0/card.json', import.meta.url), 'utf8')) as ModelCard;
  const stride = 4;

  it('never exceeds the true density, and reaches a useful share of it', { timeout: 240_000 }, async () => {
    const ratios: number[] = [];
    for (const scenario of ['timber_honest', 'cites_timber']) {
      const scans = simulatedScans({ seed: 731_000, count: 8, scenario, source: 'linac', scanners: { families: 'held-out', count: 4, seed: 731, nominalFraction: 0 } });
      for await (const s of scans) {
        const conveyance = s.metadata.conveyance?.type;
        expect(['container', 'truck']).toContain(conveyance);
        const input = buildModelInput(card, s.images, s.metadata.airValue, s.metadata.pixelSpacingMm, s.response);
        const mapW = Math.ceil(input.dims[3] / stride);
        for (const o of s.truth.objects.filter((x) => x.class === 'timber' && x.densityGcm3)) {
          // The cells inside the object's box (a region as the model would find it on the load).
          const b = o.boundingBox;
          const cx0 = Math.ceil(b.x / input.factorX / stride);
          const cy0 = Math.ceil(b.y / input.factorY / stride);
          const cx1 = Math.floor((b.x + b.width) / input.factorX / stride) - 1;
          const cy1 = Math.floor((b.y + b.height) / input.factorY / stride) - 1;
          if (cx1 - cx0 < 3 || cy1 - cy0 < 3) continue;
          const cells: number[] = [];
          for (let y = cy0; y <= cy1; y++) for (let x = cx0; x <= cx1; x++) cells.push(y * mapW + x);
          const region = { x0: cx0, y0: cy0, x1: cx1, y1: cy1, peak: 1, peakCell: cells[0]!, cells };
          const ctx = { scanId: s.metadata.scanId, model: { card } as never, input, scanWidth: 0, scanHeight: 0, spacingMm: s.metadata.pixelSpacingMm, createdAt: '', response: s.response, conveyance };
          const floor = regionDensityFloor(ctx, region, stride, mapW);
          expect(floor, `${s.metadata.scanId} ${o.id}`).not.toBeNull();
          // A lower bound: never above the truth beyond the profile's ±5 % (DENSITY_UNCERTAINTY.profile).
          expect(floor!, `${s.metadata.scanId} ${o.species} ${o.densityGcm3}`).toBeLessThanOrEqual(o.densityGcm3! * 1.05);
          ratios.push(floor! / o.densityGcm3!);
          // Without a conveyance that bounds the path there is no floor.
          expect(regionDensityFloor({ ...ctx, conveyance: 'pallet' }, region, stride, mapW)).toBeNull();
        }
      }
    }
    ratios.sort((a, b) => a - b);
    expect(ratios.length).toBeGreaterThanOrEqual(10);
    // Informative: the median load's floor is more than half its true density.
    expect(ratios[ratios.length >> 1]!).toBeGreaterThan(0.5);
  });
});
