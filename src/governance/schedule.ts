/**
 * A cycle's schedule (issue 13 item 3): the times, fixed at creation, at which the service itself
 * moves the cycle forward — `reviewAt` (proposals → review), `supportsAt` (review → supports, with a
 * shortlist), `votingAt` (→ voting) and `closeAt` (voting → closed, or tallying with trustees).
 * `validateSchedule` checks a new one (RFC 3339, in order, in the future); `scheduledMove` says
 * which single step is due now. A schedule missed while the service was down catches up one step
 * at a time on the next run, each step through the same phase move a steward makes. Pure.
 */
import { z } from 'zod';
import { DomainError } from '../domain-error.js';
import { nextPhase, type Phase, type PhaseFacts } from './cycle.js';

const Instant = z.iso.datetime({ offset: true }).describe('RFC 3339 date-time, e.g. "2026-03-01T09:00:00Z" or "2026-03-01T10:00:00+01:00"');

export const ScheduleSchema = z
  .object({
    reviewAt: Instant.optional().describe('proposals → review'),
    supportsAt: Instant.optional().describe('review → supports (only for a cycle with a shortlist)'),
    votingAt: Instant.optional().describe('→ voting (proposals not reviewed by then stay off the ballot)'),
    closeAt: Instant.optional().describe('voting → closed (tallying when trustees hold the key)'),
  })
  .strict()
  .meta({ id: 'Schedule' });
export type ScheduleInput = z.infer<typeof ScheduleSchema>;

/** A validated schedule: times in UTC (`toISOString`), only the milestones that were given. */
export interface Schedule {
  reviewAt?: string;
  supportsAt?: string;
  votingAt?: string;
  closeAt?: string;
}

/** The milestones in the order they must come, each with the phase it leads to. */
export const MILESTONES = [
  ['reviewAt', 'review'],
  ['supportsAt', 'supports'],
  ['votingAt', 'voting'],
  ['closeAt', 'closed'],
] as const satisfies readonly (readonly [keyof Schedule, Phase])[];

/** The order of the phases a schedule moves through (the target of a due milestone is compared by it). */
const ORDER: Partial<Record<Phase, number>> = { proposals: 0, review: 1, supports: 2, voting: 3, tallying: 4, closed: 4 };

/** A schedule given at creation: every time in the future, in milestone order, supportsAt only with a shortlist. */
export function validateSchedule(input: ScheduleInput, options: { now: string; hasShortlist: boolean }): Schedule | null {
  const schedule: Schedule = {};
  let previous: { field: string; ms: number } | undefined;
  const now = Date.parse(options.now);
  for (const [field] of MILESTONES) {
    const value = input[field];
    if (value === undefined) continue;
    const ms = Date.parse(value);
    if (field === 'supportsAt' && !options.hasShortlist) {
      throw new DomainError('invalid-schedule', 'supportsAt needs a cycle with a shortlist ("shortlist": {"size": N}): only then is there a supports phase', { field });
    }
    if (!(ms > now)) throw new DomainError('invalid-schedule', `${field} (${value}) is not in the future (now is ${options.now})`, { field });
    if (previous !== undefined && !(ms > previous.ms)) {
      throw new DomainError('invalid-schedule', `${field} (${value}) must come after ${previous.field}`, { field, after: previous.field });
    }
    previous = { field, ms };
    schedule[field] = new Date(ms).toISOString();
  }
  return Object.keys(schedule).length === 0 ? null : schedule;
}

/**
 * The one phase move the schedule asks for now, or null: the latest milestone that is due names a
 * target; while the cycle is before it, the next step is requested (review before voting, supports
 * before voting when there is a shortlist). The caller runs it through `decidePhaseMove`.
 */
export function scheduledMove(facts: PhaseFacts, schedule: Schedule | null, now: string): Phase | null {
  if (schedule === null) return null;
  const current = ORDER[facts.phase];
  if (current === undefined) return null;
  const nowMs = Date.parse(now);
  let target: Phase | undefined;
  for (const [field, phase] of MILESTONES) {
    const at = schedule[field];
    if (at !== undefined && Date.parse(at) <= nowMs) target = phase;
  }
  if (target === undefined) return null;
  const wanted = ORDER[target] ?? -1;
  if (current >= wanted) return null;
  return nextPhase(facts);
}

/** When the schedule next wants something of a cycle in this phase (for GET, and for tests). */
export function nextScheduledAt(phase: Phase, schedule: Schedule | null): string | null {
  if (schedule === null) return null;
  const current = ORDER[phase];
  if (current === undefined) return null;
  for (const [field, target] of MILESTONES) {
    const at = schedule[field];
    if (at !== undefined && (ORDER[target] ?? -1) > current) return at;
  }
  return null;
}
