/**
 * Greedy (README "greedy"): order proposals by descending score, ties by ascending key, walk the
 * list once and select each proposal whose cost fits in what is left of the budget. Proposals with
 * score 0 are walked too (last), so a free or cheap unvoted proposal can still be selected; this
 * is pabutools' `greedy_utilitarian_welfare` with cost satisfaction and lexicographic ties.
 */
import { listKeys, PLAIN, plural, type Presentation } from './format.js';
import { compareKeys } from './key-order.js';
import type { PreparedTally } from './prepare.js';
import type { Outcome, ProposalOutcome } from './types.js';

export function scoreUnit(ballotType: PreparedTally['input']['ballotType']): [string, string] {
  switch (ballotType) {
    case 'approval':
    case 'knapsack':
      return ['vote', 'votes'];
    case 'cumulative':
      return ['point', 'points'];
    case 'ordinal':
      return ['Borda point', 'Borda points'];
  }
}

export function greedy(t: PreparedTally, show: Presentation = PLAIN): Outcome {
  const { keys, costs, scores, keyRank } = t;
  const m = keys.length;
  const [one, many] = scoreUnit(t.input.ballotType);
  const order = keys.map((_, i) => i);
  order.sort((a, b) => (scores[a]! > scores[b]! ? -1 : scores[a]! < scores[b]! ? 1 : keyRank[a]! - keyRank[b]!));

  // Tie groups: proposals sharing a score, listed in the order the walk visits them.
  const tieGroup = new Map<bigint, string[]>();
  for (const i of order) {
    const group = tieGroup.get(scores[i]!);
    if (group) group.push(keys[i]!);
    else tieGroup.set(scores[i]!, [keys[i]!]);
  }

  let remaining = t.input.budget;
  const selected: string[] = [];
  const explanation: string[] = new Array<string>(m);
  const isSelected: boolean[] = new Array<boolean>(m).fill(false);
  order.forEach((i, position) => {
    const cost = costs[i]!;
    const score = scores[i]!;
    const standing = score > 0n ? `${plural(score, one, many)}, rank ${position + 1} of ${m}` : `no ${many}`;
    let sentence: string;
    if (cost <= remaining) {
      sentence =
        score > 0n
          ? `selected: ${standing}; its cost ${show.money(cost)} fit in the remaining ${show.money(remaining)}`
          : `selected although nobody voted for it: greedy walks every proposal and its cost ${show.money(cost)} still fit in the remaining ${show.money(remaining)}`;
      remaining -= cost;
      selected.push(keys[i]!);
      isSelected[i] = true;
    } else {
      sentence =
        score > 0n
          ? `did not fit: remaining ${show.money(remaining)} < cost ${show.money(cost)} (${standing})`
          : `nobody voted for it, and it did not fit: remaining ${show.money(remaining)} < cost ${show.money(cost)}`;
    }
    const group = tieGroup.get(score)!;
    if (group.length > 1 && score > 0n) {
      const others = group.filter((k) => k !== keys[i]);
      const place = group.indexOf(keys[i]!) + 1;
      sentence += `; tied with ${listKeys(others.map(show.name))} on ${plural(score, one, many)}, ascending project key put it ${ordinal(place)} of ${group.length}`;
    }
    explanation[i] = `${sentence}.`;
  });

  const proposals: ProposalOutcome[] = keys.map((key, i) => ({
    key,
    cost: costs[i]!,
    score: scores[i]!,
    selected: isSelected[i]!,
    explanation: explanation[i]!,
  }));
  const spent = t.input.budget - remaining;
  const notes = [
    `greedy: ${m} proposals ordered by ${many}, ties by ascending project key; spent ${show.money(spent)} of ${show.money(t.input.budget)} on ${selected.length} proposals.`,
  ];
  for (const [score, group] of tieGroup) {
    if (group.length > 1 && score > 0n) {
      notes.push(`tie: ${listKeys([...group].sort(compareKeys).map(show.name), group.length)} had ${plural(score, one, many)} each; ascending project key ordered them.`);
    }
  }
  return { rule: { rule: 'greedy' }, budget: t.input.budget, spent, selected, proposals, notes };
}

function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}
