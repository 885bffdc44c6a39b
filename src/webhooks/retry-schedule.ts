/**
 * When a failed delivery is tried again: the Standard Webhooks schedule — at once, then after 5 s,
 * 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (eight attempts over about 27.6 hours) — each wait
 * stretched by up to 20 % of jitter so receivers coming back are not hit by every sender at once.
 * Never earlier than the schedule says. After the last attempt the delivery is failed.
 */
export const STANDARD_SCHEDULE_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export const JITTER = 0.2;

/**
 * The wait before attempt `attemptsSoFar + 1`, or undefined when `attemptsSoFar` attempts used the
 * schedule up. `random` is in [0, 1).
 */
export function retryDelayMs(schedule: readonly number[], attemptsSoFar: number, random: number): number | undefined {
  const base = schedule[attemptsSoFar - 1];
  if (base === undefined || attemptsSoFar < 1) return undefined;
  return Math.round(base * (1 + JITTER * random));
}
