/** Codes of checkpoints and anchors read through the service (the pure modules have their own). */
export const ANCHORING_SERVICE_CODES = [
  /** no checkpoint with this number, or none made yet */
  'checkpoint-not-found',
  /** no anchor with this id */
  'anchor-not-found',
] as const;

export type AnchoringServiceCode = (typeof ANCHORING_SERVICE_CODES)[number];
