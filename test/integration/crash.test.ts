/**
 * Crash safety, bounded (issue "Hardening", item 4): the real service in a child process, 200
 * ballots from 8 concurrent clients, one SIGKILL in the middle, a restart on the same data — on
 * PGlite always, on PostgreSQL when TEST_DATABASE_URL is set. Every check of the scenario is an
 * assertion. Then the judge is handed this run's real observation with one thing broken at a time
 * (a lost ballot, a missing projection, a wrong count, …) and must fail exactly that check.
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { judgeState, runCrashScenario, type Cast, type Observation } from '../../scripts/lib/crash-scenario.js';

const BALLOTS = 200;
const WHEN = 'judge';

/** One thing a crash could break, applied to a copy of a good observation. */
interface Breakage {
  name: string;
  breaks: (seen: Observation, casts: Cast[]) => void;
  /** The checks (without the `when` prefix) that must now fail; all others must pass … */
  fails: string[];
  /** … except these, which depend on the run (e.g. whether an unanswered ballot committed). */
  mayFail?: string[];
}

const acknowledgedOf = (casts: Cast[]) => casts.filter((c) => c.receipt !== undefined);
const lineIndexOf = (seen: Observation, hash: string) => seen.exportLines.findIndex((l) => l.includes(`"hash":"${hash}"`));

const BREAKAGES: Breakage[] = [
  {
    name: 'an acknowledged ballot lost from the ledger',
    breaks: (seen, casts) => {
      const lost = acknowledgedOf(casts)[10]!.receipt!.hash;
      seen.exportLines.splice(lineIndexOf(seen, lost), 1);
    },
    fails: ['export verifies offline (dense seqs, links, hashes)', 'every acknowledged ballot is in the export as sent', 'ballot count equals ballot entries'],
    mayFail: ['no phantom ballots (entries − acknowledged ≤ unanswered)'],
  },
  {
    name: 'an acknowledged ballot stored with other choices',
    breaks: (seen, casts) => {
      // a sealed ballot is judged by what its member reads back, which is their current ballot only
      const current = acknowledgedOf(casts).filter((c) => seen.ownBallots[c.receipt!.hash] !== undefined);
      const cast = (current.length > 3 ? current : acknowledgedOf(casts))[3]!;
      cast.approvals = cast.approvals.length > 1 ? cast.approvals.slice(1) : ['not-what-was-sent'];
    },
    fails: ['every acknowledged ballot is in the export as sent'],
  },
  {
    name: 'a ballot entry without its projection (half-written)',
    breaks: (seen, casts) => {
      seen.lookups[acknowledgedOf(casts)[5]!.receipt!.hash] = { status: 404 };
    },
    fails: ['every acknowledged receipt resolves (GET /v1/receipts/{hash})', 'every ballot.cast entry has its projection (receipt lookup)'],
  },
  {
    name: 'a receipt resolving to another seq',
    breaks: (seen, casts) => {
      const hash = acknowledgedOf(casts)[7]!.receipt!.hash;
      seen.lookups[hash] = { ...seen.lookups[hash]!, seq: seen.lookups[hash]!.seq! + 1 };
    },
    fails: ['every acknowledged receipt resolves (GET /v1/receipts/{hash})'],
  },
  {
    name: 'the ballot count out of step with the entries',
    breaks: (seen) => {
      seen.ballotCount -= 1;
    },
    fails: ['ballot count equals ballot entries'],
  },
  {
    name: 'a phantom ballot nobody sent',
    breaks: (seen, casts) => {
      // Forget every unanswered request and one acknowledged one: an entry is then unexplained.
      const keep = acknowledgedOf(casts).slice(1);
      casts.splice(0, casts.length, ...keep);
    },
    fails: ['no phantom ballots (entries − acknowledged ≤ unanswered)'],
  },
  {
    name: 'online verify reporting a problem',
    breaks: (seen) => {
      seen.verify = { ...seen.verify, ok: false, problems: [{ stream: 'network', seq: 1, reason: 'hash-mismatch' }] };
    },
    fails: ['ledger verify ok'],
  },
  {
    name: 'a stream head ahead of its entries',
    breaks: (seen) => {
      seen.heads[0]!.size += 1;
    },
    fails: ['stream heads match the export'],
  },
  {
    name: 'the export failing',
    breaks: (seen) => {
      seen.exportStatus = 500;
    },
    fails: ['export answers 200'],
  },
];

for (const kind of databaseKinds()) {
  t.test(`SIGKILL during ${BALLOTS} concurrent ballots on ${kind}, then restart`, async (t) => {
    const report = await runCrashScenario({ db: kind, ballots: BALLOTS, clients: 8, members: 50, kills: 1, serverUrl: process.env.TEST_DATABASE_URL });
    for (const check of report.checks) t.ok(check.ok, check.name, { detail: check.detail });
    if (!report.ok) t.comment(`data directory kept: ${report.dataDir}\n${report.serviceOutput.slice(-6000)}`);

    const f = report.figures;
    t.comment(`${kind}: sent ${f.attempted}, acknowledged ${f.acknowledged}, unanswered ${f.unanswered}, ledger ballots ${f.ledgerBallots}; start ${f.firstStartMs} ms, restart ${f.restartMs.join(', ')} ms`);
    t.equal(f.attempted, BALLOTS, 'every planned ballot was sent');
    t.equal(f.killedAtAcknowledged.length, 1, 'one kill');
    t.ok(f.killedAtAcknowledged[0]! >= BALLOTS / 2 && f.killedAtAcknowledged[0]! < BALLOTS, 'the kill came in the middle of the run');

    const seen = report.lastSeen;
    if (seen === undefined) {
      t.fail('no observation of the restarted service');
      return;
    }
    const good = await judgeState(WHEN, seen, report.casts);
    const stateChecks = good.checks.map((c) => c.name.slice(WHEN.length + 2));
    t.ok(good.checks.every((c) => c.ok), 'the final observation judged again passes');
    for (const expected of [
      'kill 1: the process died of SIGKILL with requests in flight',
      'restart 1: the service starts on the same data',
      ...stateChecks.map((name) => `after kill 1: ${name}`),
      'after restart: every new ballot is acknowledged',
      'after restart: new ballots continue the stream densely',
      ...stateChecks.map((name) => `end of run: ${name}`),
      'graceful stop (SIGTERM) after recovery',
      'no ballot refused or failed with an HTTP answer',
    ]) {
      t.ok(report.checks.some((c) => c.name === expected), `ran: ${expected}`);
    }

    t.test('the judge accepts an acknowledged ballot replaced by a later one that committed without an answer', async (t) => {
      // A batch can commit and the process die before it answers: make the last acknowledged ballot
      // of a member that voted twice such a ballot (its entry stays, its answer is gone).
      const casts = structuredClone(report.casts);
      const acked = casts.filter((c) => c.receipt !== undefined);
      const twice = acked.find((c) => acked.some((d) => d.member === c.member && d.index > c.index));
      if (twice === undefined) {
        t.fail('no member voted twice with acknowledgement');
        return;
      }
      const last = acked.filter((c) => c.member === twice.member).reduce((a, b) => (b.index > a.index ? b : a));
      Object.assign(last, { status: 0, receipt: undefined, error: 'no answer: the process died after its batch committed' });
      const judged = await judgeState(WHEN, seen, casts);
      t.same(judged.checks.filter((c) => !c.ok).map((c) => c.name), [], 'every check passes: the earlier ballot is present, the later one counts as unanswered');
    });

    t.test('the judge fails exactly the check for each breakage', async (t) => {
      for (const breakage of BREAKAGES) {
        const broken = structuredClone(seen);
        const casts = structuredClone(report.casts);
        breakage.breaks(broken, casts);
        const judged = await judgeState(WHEN, broken, casts);
        const failed = judged.checks.filter((c) => !c.ok).map((c) => c.name.slice(WHEN.length + 2));
        const allowed = new Set([...breakage.fails, ...(breakage.mayFail ?? [])]);
        t.same(failed.filter((name) => !allowed.has(name)).concat(breakage.fails.filter((name) => !failed.includes(name))), [], breakage.name, { failed });
      }
    });
  });
}
