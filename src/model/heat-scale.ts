/** How a share becomes a colour step and a label. Pure: unit-tested under Node. */

export const HEAT_LEVELS = 10;

/**
 * Step 1..10 by the square root of the line's share relative to the hottest line: profiles are dominated by a few
 * lines, and a linear scale would leave every other sampled line invisible.
 */
export function heatLevel(share: number, maxShare: number): number {
  if (!(maxShare > 0) || !(share > 0)) return 1;
  return Math.min(HEAT_LEVELS, Math.max(1, Math.ceil(HEAT_LEVELS * Math.sqrt(share / maxShare))));
}

/** Shares are written by the one formatter (format.ts); re-exported for the callers that import it from here. */
export { formatShare } from './format';
