import type { SignalCell, SignalLevels } from '../../src/core/calibration.ts';

/** One lead's signal levels (strength 4, willing, recent, good fit, verified, no corroborator). */
export const BASE_LEVELS: SignalLevels = {
  strength: '4',
  relationship: 'prospect',
  willing: 'yes',
  recency: '0-14',
  icp: '80-89',
  overlap: 'verified',
  corroboration: '0',
};

/** A cell of `n` judged EQLs with `opportunity` of them reaching opportunity, BASE_LEVELS patched. */
export function signalCell(
  patch: Partial<SignalLevels>,
  n: number,
  opportunity: number,
  extra: { won?: number; train?: boolean } = {},
): SignalCell {
  return {
    levels: { ...BASE_LEVELS, ...patch },
    n,
    opportunity,
    won: extra.won ?? 0,
    ...(extra.train === undefined ? {} : { train: extra.train }),
  };
}
