/**
 * A lower bound on a timber load's density from physics alone, whatever the model says.
 *
 * In a side view the beam crosses the conveyance: no ray through a container or a truck can cross
 * more wood than the load space is wide. So a ray that carries m g/cm² of wood says the wood is at
 * least m / width g/cm³ dense. A load of Scots pine (≤ 0.56 g/cm³) filling a 2.46 m container
 * gives at most 138 g/cm²; rosewood at 0.85–1.1 packed to 80 % of the width gives 165–215.
 *
 * The mass comes from the high-energy channel read through the wood line of the scanner's
 * response (the mass of wood that attenuates as much), not from the two-basis decomposition: on
 * thick timber at MeV the split between polyethylene and iron is unstable and often clamped,
 * while the attenuation of one channel is monotone in the mass. A ray at the detector's floor
 * (T clamped to the model's minimum transmission) reads less attenuation than it has, so the bound
 * stays a lower bound there. What it assumes, and where it is wrong:
 *  - the beam crosses the conveyance's width (side-view portal and gantry scanners); a top view
 *    would need the height instead;
 *  - the ray holds wood and the conveyance walls only: steel or other dense cargo beside the wood
 *    across the width adds its mass (at MeV a gram of steel attenuates about as much as a gram of
 *    wood). The median over the region's cells keeps a few such rays from setting the bound;
 *  - pallets and parcels do not bound the path (goods overhang, a tunnel is wider than a parcel),
 *    and a tube cannot see through a pallet of hardwood anyway: no floor for them;
 *  - rays cross the width square on (a fan beam's rays to the top of a load are longer);
 *  - the wood is dry: it bounds the density as loaded, and green logs weigh up to about twice the
 *    air-dry densities of the species table. So the decision rules use it only where a card opts
 *    in (ModelCard.rules.timberDensityFloor); it is measured and stored either way.
 */
import type { ConveyanceType } from '../scan-metadata.ts';
import { polyChannel } from './channel.ts';
import type { ChannelResponse } from './response.ts';

/**
 * The widest load space across the beam, cm, by conveyance: the largest inner width of a
 * pallet-wide ISO container (2.44–2.46 m), and the largest legal vehicle width for a truck body
 * (2.55 m in the EU, 2.60 m for refrigerated bodies and US 102-inch trailers) taken as if the
 * walls had no thickness. Absent: the conveyance does not bound the path.
 */
export const MAX_PATH_CM: Partial<Record<ConveyanceType, number>> = { container: 246, truck: 260 };

/** Wood area density (g/cm²) whose attenuation through `channel` is `attenuation` (0 for none or negative). */
export function woodAreaDensity(channel: ChannelResponse, attenuation: number): number {
  if (!(attenuation > 0)) return 0;
  const ch = polyChannel(channel, ['wood']);
  let lo = 0;
  let hi = 50;
  // The wood line is monotone: grow the bracket, then bisect to 1e-4 g/cm² (about 20 steps).
  while (ch.attenuation([hi]) < attenuation && hi < 1e5) hi *= 2;
  for (let i = 0; i < 60 && hi - lo > 1e-4; i++) {
    const mid = (lo + hi) / 2;
    if (ch.attenuation([mid]) < attenuation) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The lower bound on the density (g/cm³) of wood that carries `areaDensity` g/cm² across `conveyance`; null when the conveyance does not bound the path. */
export function densityFloor(areaDensity: number, conveyance: ConveyanceType | undefined): number | null {
  const width = conveyance ? MAX_PATH_CM[conveyance] : undefined;
  if (!width || !(areaDensity > 0)) return null;
  return areaDensity / width;
}
