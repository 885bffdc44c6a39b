// The three pabulib elections decided by Equal Shares: the default add1 completion must select
// exactly the published winners (`selected` = 1). In Wieliczka the first exhaustive outcome
// (add1-until-exhaustive, at v + 150) differs from the published one (v + 154), which is what
// makes add1 and add1-until-exhaustive different rules (README).
import t from 'tap';
import { readFileSync } from 'node:fs';

import { parsePabulibText, toTallyInput } from '../../src/pabulib/index.js';
import { compareKeys, tally } from '../../src/rules/index.js';
import { sharedData } from '../helpers/paths.js';

const FILES = ['Netherlands_Assen_2024.pb', 'Poland_Swiecie_2023.pb', 'Poland_Wieliczka_2023_Green_Budget.pb'];

for (const file of FILES) {
  t.test(file, async (t) => {
    const election = parsePabulibText(readFileSync(sharedData('pabulib', file), 'utf8'));
    t.match(election.meta.get('rule'), /^equalshares/, 'the city used Equal Shares');
    const published = election.projects.filter((p) => p.fields.selected === '1').map((p) => p.id);
    t.ok(published.length > 0);
    const outcome = tally(toTallyInput(election), { rule: 'equal-shares', completion: 'add1' });
    t.same([...outcome.selected].sort(compareKeys), published.sort(compareKeys));
    t.ok(outcome.spent <= election.budget);
    for (const p of outcome.proposals) t.match(p.explanation, /^(selected|its \d|nobody)/, p.key);
  });
}

t.test('Wieliczka: the first exhaustive outcome is not the published one', async (t) => {
  const election = parsePabulibText(readFileSync(sharedData('pabulib', FILES[2]!), 'utf8'));
  const published = election.projects.filter((p) => p.fields.selected === '1').map((p) => p.id).sort(compareKeys);
  const first = tally(toTallyInput(election), { rule: 'equal-shares', completion: 'add1-until-exhaustive' });
  t.notSame([...first.selected].sort(compareKeys), published);
  t.match(first.notes.join('\n'), /\(\+150\) left no room/);
});
