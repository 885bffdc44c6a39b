import t from 'tap';
import { formatAccount, isCurrency, mayGoNegative, parseAccount, type Account } from '../../src/funding/index.js';

const ID = '0b8e2a4c-5f1d-4c3e-9a7b-2d6f8e1c3a5b';

t.test('every account kind parses and formats back to the same name', async (t) => {
  const table: [string, Account][] = [
    ['pool', { kind: 'pool' }],
    [`external:${ID}`, { kind: 'external', funderId: ID }],
    ['external:import', { kind: 'external', funderId: 'import' }],
    [`community:${ID}`, { kind: 'community', communityId: ID }],
    [`cycle:${ID}`, { kind: 'cycle', cycleId: ID }],
    [`proposal:${ID}`, { kind: 'proposal', proposalId: ID }],
    [`spent:${ID}`, { kind: 'spent', proposalId: ID }],
  ];
  for (const [name, account] of table) {
    const parsed = parseAccount(name);
    t.same(parsed, { ok: true, account }, name);
    t.equal(formatAccount(account), name, `${name} round-trips`);
  }
});

t.test('anything else is invalid-account', async (t) => {
  const invalid = [
    '',
    'Pool',
    'pool:',
    'pool:x',
    `community:${ID.toUpperCase()}`,
    `community:${ID} `,
    ` community:${ID}`,
    'community:import',
    'cycle:import',
    'spent:import',
    'external:',
    'external:Import',
    `external:${ID}:x`,
    `bank:${ID}`,
    `community:${ID.replace(/-/g, '')}`,
    `community:${'a'.repeat(70)}`,
    'community:0b8e2a4c-5f1d-4c3e-9a7b-2d6f8e1c3a5',
  ];
  for (const name of invalid) {
    const parsed = parseAccount(name);
    t.equal(parsed.ok, false, JSON.stringify(name));
    if (!parsed.ok) t.equal(parsed.code, 'invalid-account');
  }
});

t.test('only external accounts may go negative', async (t) => {
  const kinds: [Account, boolean][] = [
    [{ kind: 'external', funderId: ID }, true],
    [{ kind: 'pool' }, false],
    [{ kind: 'community', communityId: ID }, false],
    [{ kind: 'cycle', cycleId: ID }, false],
    [{ kind: 'proposal', proposalId: ID }, false],
    [{ kind: 'spent', proposalId: ID }, false],
  ];
  for (const [account, expected] of kinds) t.equal(mayGoNegative(account), expected, account.kind);
});

t.test('currencies are three uppercase letters', async (t) => {
  for (const ok of ['EUR', 'PLN', 'KES', 'XXX']) t.ok(isCurrency(ok), ok);
  for (const bad of ['eur', 'EU', 'EURO', 'E1R', '', ' EUR', 'ÉUR']) t.notOk(isCurrency(bad), JSON.stringify(bad));
});
