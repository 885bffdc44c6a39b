// Every way a .pb file can be refused: one hand-made file per PabulibFormatError code
// (test/fixtures/pabulib/<code>.pb), with the line the member is pointed to.
import t from 'tap';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PABULIB_ERROR_CODES, PabulibFormatError, parsePabulib, parsePabulibText } from '../../src/pabulib/index.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'pabulib');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, `${name}.pb`));

async function refusal(source: Parameters<typeof parsePabulib>[0], options?: Parameters<typeof parsePabulib>[1]): Promise<PabulibFormatError> {
  try {
    await parsePabulib(source, options);
  } catch (err) {
    if (err instanceof PabulibFormatError) return err;
    throw err;
  }
  throw new Error('the input was accepted');
}

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

// [code, fixture, line, message pattern]
const TABLE: [string, string, number, RegExp][] = [
  ['bad-encoding', 'bad-encoding', 12, /^line 12: the file is not valid UTF-8 text/],
  ['unterminated-quote', 'unterminated-quote', 11, /^line 11: a quoted field starts here and is never closed\.$/],
  ['missing-section', 'missing-section', 12, /^line 12: the file ends before its VOTES section\.$/],
  ['section-order', 'section-order', 13, /^line 13: META comes after PROJECTS; the order must be META, PROJECTS, VOTES\.$/],
  ['bad-header', 'bad-header', 9, /^line 9: the PROJECTS header has no "cost" column/],
  ['bad-row', 'bad-row', 12, /^line 12: the row has 2 fields but the PROJECTS header has 3\.$/],
  ['duplicate-meta', 'duplicate-meta', 7, /^line 7: the META key "budget" already appeared on line 6\.$/],
  ['missing-meta', 'missing-meta', 7, /^line 7: META has no "vote_type" row\.$/],
  ['bad-number', 'bad-number', 11, /^line 11: project 2 has cost "12a", expected a whole number\.$/],
  ['unsupported-vote-type', 'unsupported-vote-type', 7, /^line 7: the vote type "scoring" is not supported/],
  ['duplicate-project', 'duplicate-project', 12, /^line 12: project 1 is listed twice\.$/],
  ['duplicate-voter', 'duplicate-voter', 16, /^line 16: voter v1 has already voted on an earlier line\.$/],
  ['unknown-project', 'unknown-project', 16, /^line 16: voter v2 voted for project "7", which is not in PROJECTS\.$/],
  ['duplicate-choice', 'duplicate-choice', 15, /^line 15: voter v1 names project 1 twice\.$/],
  ['points-mismatch', 'points-mismatch', 15, /^line 15: voter v1 lists 2 projects but 1 points values\.$/],
  ['ballot-constraint', 'ballot-constraint', 16, /^line 16: voter v1 chose 2 projects, more than the file's max_length 1\.$/],
];

t.test('the valid fixture parses', async (t) => {
  const e = await parsePabulib(fixture('valid').toString('utf8'));
  t.equal(e.projects.length, 3);
  t.equal(e.projects[1]!.name, 'Second; with "quotes"');
  t.same(e.votes.map((v) => v.projects), [['1', '2'], ['3']]);
});

t.test('one malformed file per error code', async (t) => {
  const covered = new Set<string>(['too-large']);
  for (const [code, name, line, message] of TABLE) {
    covered.add(code);
    const bytes = fixture(name);
    // Whole, and streamed in 7-byte chunks: the same code, line and sentence.
    for (const source of [code === 'bad-encoding' ? chunks(bytes, bytes.length) : bytes.toString('utf8'), chunks(bytes, 7)]) {
      const err = await refusal(source);
      t.equal(err.code, code, name);
      t.equal(err.line, line, `${name}: line`);
      t.match(err.message, message, `${name}: message`);
    }
  }
  const tooLarge = await refusal(fixture('valid').toString('utf8'), { maxBytes: 50 });
  t.equal(tooLarge.code, 'too-large');
  t.equal(tooLarge.line, 1);
  t.same([...covered].sort(), [...PABULIB_ERROR_CODES].sort(), 'every code has a case');
});

t.test('more section problems', async (t) => {
  const cases: [string, string, number][] = [
    ['', 'missing-section', 1],
    ['\n\n', 'missing-section', 2],
    ['PROJECTS\nproject_id;cost\n', 'missing-section', 1],
    ['description;x\nMETA\n', 'missing-section', 1],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nVOTES\n', 'missing-section', 5],
    ['META\n', 'bad-header', 1],
    ['META\nPROJECTS\n', 'bad-header', 2],
    ['META\nkey;value;x\n', 'bad-header', 2],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost;cost\n', 'bad-header', 6],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost;\n', 'bad-header', 6],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost\n;5\n', 'bad-row', 7],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost\n1,2;5\n', 'bad-row', 7],
    ['META\nkey;value\n;1\n', 'bad-row', 3],
    ['META\nkey;value\nbudget;-1\nvote_type;approval\nPROJECTS\n', 'bad-number', 3],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nmin_length;x\nPROJECTS\n', 'bad-number', 5],
    ['META\nkey;value\nbudget;1\nvote_type;cumulative\nmax_sum_points;1.5\nPROJECTS\n', 'bad-number', 5],
    // issue 9.12: points travel as decimal strings, so they may exceed 2^53, but not 30 digits
    ['META\nkey;value\nbudget;1\nvote_type;cumulative\nmax_sum_points;1000000000000000000000000000000\nPROJECTS\n', 'bad-number', 5],
    ['META\nkey;value\nbudget;9\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;1\nVOTES\nvoter_id;vote;points\nv;1;1000000000000000000000000000000\n', 'bad-number', 10],
    ['META\nkey;value\nbudget;9\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;1\n2;1\nVOTES\nvoter_id;vote;points\nv;1,2;999999999999999999999999999999,1\n', 'bad-number', 11],
    ['META\nkey;value\nvote_type;approval\nPROJECTS\n', 'missing-meta', 4],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;1\nVOTES\nvoter_id;vote\n;1\n', 'bad-row', 10],
    ['META\nkey;value\nbudget;1\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;1\nVOTES\nvoter_id;vote\n', 'bad-header', 9],
    ['META\nkey;value\nbudget;1\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;1\nVOTES\nvoter_id;vote;points\nv;1;x\n', 'bad-number', 10],
    ['META\nkey;value\nbudget;9\nvote_type;cumulative\nmax_sum_points;5\nPROJECTS\nproject_id;cost\n1;1\n2;1\nVOTES\nvoter_id;vote;points\nv;1,2;3,3\n', 'ballot-constraint', 12],
    ['META\nkey;value\nbudget;9\nvote_type;approval\nmin_length;2\nPROJECTS\nproject_id;cost\n1;1\nVOTES\nvoter_id;vote\nv;1\n', 'ballot-constraint', 11],
    ['META\nkey;value\nbudget;9\nvote_type;choose-1\nPROJECTS\nproject_id;cost\n1;1\n2;1\nVOTES\nvoter_id;vote\nv;1,2\n', 'ballot-constraint', 11],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost\n1;1\nVOTES\nvoter_id;vote\nVOTES\n', 'section-order', 10],
    ['META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nVOTES\n', 'bad-header', 6],
  ];
  for (const [text, code, line] of cases) {
    const err = await refusal(text);
    t.equal(err.code, code, JSON.stringify(text));
    t.equal(err.line, line, `${JSON.stringify(text)}: line`);
  }
});

t.test('points above 2^53 parse exactly (issue 9.12: they travel as decimal strings)', async (t) => {
  const election = await parsePabulib('META\nkey;value\nbudget;9\nvote_type;cumulative\nmax_sum_points;100000000000000000000\nPROJECTS\nproject_id;cost\n1;1\n2;1\nVOTES\nvoter_id;vote;points\nv;1,2;9007199254740993,99990992800745259007\n');
  t.equal(election.limits.maxSumPoints, 100000000000000000000n);
  t.same(election.votes[0]?.points, [9007199254740993n, 99990992800745259007n]);
});

t.test('a truncated UTF-8 character at the very end is a bad encoding', async (t) => {
  const bytes = Buffer.concat([fixture('valid'), Buffer.from([0xc5])]);
  const err = await refusal(chunks(bytes, 16));
  t.equal(err.code, 'bad-encoding');
});

t.test('a fractional budget is rounded down with a warning (a real file does this)', async (t) => {
  const text = fixture('valid').toString('utf8').replace('budget;100', 'budget;100.75');
  const e = parsePabulibText(text);
  t.equal(e.budget, 100n);
  t.equal(e.meta.get('budget'), '100.75', 'META keeps the text');
  t.same(e.warnings.map((w) => [w.code, w.line]), [['budget-rounded-down', 6]]);
});

t.test('whitespace, empty vote items, blank lines and a "points" column outside cumulative votes', async (t) => {
  const text = 'META\nkey;value\n budget ; 10 \nvote_type;approval\n\nPROJECTS\nproject_id;cost;points\n1; 5 ;x\n2;5;y\nVOTES\nvoter_id;vote\nv1; 1, ,2 \nv2;\n';
  const e = parsePabulibText(text);
  t.equal(e.budget, 10n);
  t.same(e.votes.map((v) => v.projects), [['1', '2'], []]);
  t.same(e.projects[0]!.fields, { points: 'x' });
});

t.test('any mangled input is either parsed or refused with a PabulibFormatError', async (t) => {
  const valid = fixture('valid');
  const alphabet = [0x3b, 0x22, 0x0a, 0x0d, 0x2c, 0x20, 0x31, 0x61, 0xc5, 0x82, 0xff, 0xef, 0xbb, 0xbf];
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.array(fc.constantFrom(...alphabet), { maxLength: 4 }) }), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.integer({ min: 1, max: 64 }),
      async (edits, chunk) => {
        let bytes = Buffer.from(valid);
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from(e.ins), bytes.subarray(at + e.del)]);
        }
        try {
          await parsePabulib(chunks(bytes, chunk));
        } catch (err) {
          return err instanceof PabulibFormatError && err.line >= 1 && /^line \d+: /.test(err.message);
        }
        return true;
      },
    ),
    { numRuns: 500 },
  );
  t.pass('500 mangled files');
});
