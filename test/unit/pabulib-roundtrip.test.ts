// parse → write → parse gives the same election, on real files (quoted names and comments,
// "None" values, mixed line endings, a fractional budget) and on cumulative and ordinal votes.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePabulibText, toTallyInput, writePabulib, writePabulibChunks, type PbElection } from '../../src/pabulib/index.js';
import { sharedData } from '../helpers/paths.js';

const DIR = sharedData('pabulib');
const FILES = [
  'Netherlands_Assen_2024.pb',
  'Poland_Gdynia_2023_Wzgorze_Sw._Maksymiliana__small.pb',
  'Poland_Lodz_2022_Lagiewniki.pb',
  'Poland_Wieliczka_2023_Green_Budget.pb',
  'Poland_Warszawa_2017_Mlynow.pb',
  'Poland_Warszawa_2017_Saska_Kepa.pb',
  'US_Stanford_Dataset_Your_Voice_Your_Choice_Parks_and_Streets-_Seattle_2019_District_6_vote_knapsacks.pb',
];

for (const file of FILES) {
  t.test(file, async (t) => {
    const first = parsePabulibText(readFileSync(join(DIR, file), 'utf8'));
    const text = writePabulib(first);
    t.same(parsePabulibText(text), first);
    t.equal([...writePabulibChunks(first)].join(''), text, 'chunks join to the same text');
    t.match(text, /^META\nkey;value\n/);
  });
}

t.test('the fractional budget of Saska Kępa keeps its text and its warning', async (t) => {
  const e = parsePabulibText(readFileSync(join(DIR, 'Poland_Warszawa_2017_Saska_Kepa.pb'), 'utf8'));
  t.equal(e.budget, 740793n);
  t.equal(e.meta.get('budget'), '740793.05');
  t.equal(e.warnings.length, 1);
});

const cumulative: PbElection = {
  meta: new Map([
    ['description', 'points; "quoted"'],
    ['budget', '10'],
    ['vote_type', 'cumulative'],
    ['max_sum_points', '5'],
  ]),
  projectColumns: ['project_id', 'cost', 'name', 'category'],
  voteColumns: ['voter_id', 'vote', 'points', 'age'],
  projects: [
    { id: 'a', cost: 4n, name: 'Ścieżka; "A"', category: 'x,y', fields: { name: 'Ścieżka; "A"', category: 'x,y' } },
    { id: 'b', cost: 7n, name: 'multi\nline', fields: { name: 'multi\nline', category: '' }, category: '' },
  ],
  votes: [
    { voterId: 'v1', projects: ['a', 'b'], points: [3n, 2n], fields: { age: '30' } },
    { voterId: 'v2', projects: [], points: [], fields: { age: '' } },
  ],
  voteType: 'cumulative',
  budget: 10n,
  limits: { maxSumPoints: 5n },
  warnings: [],
};

t.test('a cumulative election with awkward text round-trips', async (t) => {
  const text = writePabulib(cumulative);
  t.same(parsePabulibText(text), { ...cumulative, meta: new Map([...cumulative.meta, ['num_projects', '2'], ['num_votes', '2']]) });
  const input = toTallyInput(parsePabulibText(text));
  t.same(input.ballots, [{ points: { a: 3n, b: 2n } }, { points: {} }]);
  t.equal(input.ballotType, 'cumulative');
});

t.test('an ordinal election built in code gets the META rows pabutools needs', async (t) => {
  const e: PbElection = {
    meta: new Map(),
    projectColumns: [],
    voteColumns: [],
    projects: [
      { id: '1', cost: 5n, fields: {} },
      { id: '2', cost: 5n, fields: {} },
    ],
    votes: [{ voterId: 'x', projects: ['2', '1'], fields: {} }],
    voteType: 'ordinal',
    budget: 5n,
    limits: {},
    warnings: [],
  };
  const text = writePabulib(e);
  t.equal(text, 'META\nkey;value\nbudget;5\nvote_type;ordinal\nnum_projects;2\nnum_votes;1\nPROJECTS\nproject_id;cost\n1;5\n2;5\nVOTES\nvoter_id;vote\nx;2,1\n');
  const back = parsePabulibText(text);
  t.same(back.votes[0]!.projects, ['2', '1']);
  t.same(toTallyInput(back).ballots, [{ ranking: ['2', '1'] }]);
  t.same(toTallyInput(back, 'knapsack').ballotType, 'knapsack');
});
