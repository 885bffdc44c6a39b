// Conformance with pabutools 1.2.3 on real pabulib elections: every entry and every rule key of
// expected.json (read here, never copied), comparing the sorted selected project ids and the total
// cost. A rule key we do not know fails the test, so a new key in the data cannot be skipped.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePabulibText, toTallyInput } from '../../src/pabulib/index.js';
import { compareKeys, tally, type RuleSpec } from '../../src/rules/index.js';
import { sharedData } from '../helpers/paths.js';

interface Expected {
  file: string;
  meta: { num_projects: number; num_votes: number; budget: string; vote_type: string };
  results: Record<string, { selected: string[]; total_cost: number | string; seconds: number }>;
}

const DIR = sharedData('pabulib');
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected[];

/** expected.json rule keys → our rule specs (plain `equal-shares` is the README's add1). */
function ruleFor(key: string): RuleSpec {
  switch (key) {
    case 'greedy':
      return { rule: 'greedy' };
    case 'equal-shares':
      return { rule: 'equal-shares', completion: 'add1' };
    case 'equal-shares/none':
      return { rule: 'equal-shares', completion: 'none' };
    case 'equal-shares/add1-until-exhaustive':
      return { rule: 'equal-shares', completion: 'add1-until-exhaustive' };
    default:
      throw new Error(`unknown rule key in expected.json: ${key}`);
  }
}

t.ok(expected.length >= 19, 'expected.json lists the elections');

for (const entry of expected) {
  t.test(entry.file, async (t) => {
    const election = parsePabulibText(readFileSync(join(DIR, entry.file), 'utf8'));
    t.equal(election.projects.length, entry.meta.num_projects, 'projects');
    t.equal(election.votes.length, entry.meta.num_votes, 'votes');
    t.equal(election.budget.toString(), String(entry.meta.budget), 'budget');
    const input = toTallyInput(election);
    for (const [key, want] of Object.entries(entry.results)) {
      const outcome = tally(input, ruleFor(key));
      t.same([...outcome.selected].sort(compareKeys), [...want.selected].sort(compareKeys), `${key}: selected`);
      t.equal(outcome.spent.toString(), String(want.total_cost), `${key}: total cost`);
    }
  });
}
