/**
 * Cycle schedules (issue 13 item 3) through HTTP on both databases, with a clock the test moves:
 * validation at creation (RFC 3339, in order, in the future), the schedule job moving each phase
 * as `system` exactly once, a steward moving earlier, proposals never reviewed staying off the
 * ballot, and a schedule missed while the service was stopped caught up once by a new service
 * instance over the same database. (Real processes: cycle-schedules-processes.test.ts.)
 */
import t from 'tap';
import { databaseKinds } from '../helpers/db.js';
import { ADMIN_TOKEN, startTestApp } from '../helpers/app.js';
import { expectJson, grant, makeCommunity } from '../helpers/community.js';
import { createCycle, entriesOf, movePhase, problemOf, propose, review, type CycleView, type ProposalView } from '../helpers/governance.js';
import { createServices, defaultDeps, serviceOptions } from '../../src/services/index.js';
import { scheduleLoop } from '../../src/services/background.js';
import { TEST_ORIGIN, TEST_SIGNING_SEED } from '../helpers/app.js';

const T0 = Date.parse('2026-03-01T08:00:00.000Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();

for (const kind of databaseKinds()) {
  t.test(`on ${kind}`, async (t) => {
    let now = T0;
    const clock = { now: () => new Date(now) };
    const api = await startTestApp(t, kind, { clock });
    const c = await makeCommunity(api, 'scheduled-school', 3);
    await grant(api, `community:${c.id}`, '1000000');
    const logged: string[] = [];
    const logger = { info: (_o: object, msg: string) => void logged.push(msg), error: (_o: object, msg: string) => void logged.push(`error: ${msg}`) };
    const loop = scheduleLoop(api.services, logger, 1000, clock.now);
    const tick = () => loop.tick();
    const phaseEntries = async (cycleId: string) => (await entriesOf(api, c.id, 'cycle.phase-changed')).filter((e) => e.payload.cycleId === cycleId);
    const read = async (cycleId: string) => expectJson<CycleView>(await api.call('GET', `/v1/cycles/${cycleId}`, { token: c.members[0]!.token }), 200);

    await t.test('a schedule is validated when the cycle is created', async (t) => {
      const create = (schedule: unknown, extra: Record<string, unknown> = {}) =>
        api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.steward.token, body: { title: 'x', budget: '1', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy', schedule, ...extra } });
      t.same(problemOf(await create({ reviewAt: at(-1) })), [422, 'invalid-schedule'], 'in the past');
      t.same(problemOf(await create({ reviewAt: at(2), votingAt: at(1) })), [422, 'invalid-schedule'], 'out of order');
      t.same(problemOf(await create({ supportsAt: at(1) })), [422, 'invalid-schedule'], 'supportsAt without a shortlist');
      t.same(problemOf(await create({ reviewAt: 'tomorrow' })), [400, 'validation'], 'not RFC 3339');
      t.same(problemOf(await create({ reviewAt: at(1), openAt: at(2) })), [400, 'validation'], 'an unknown milestone');
      t.same(problemOf(await api.call('POST', `/v1/communities/${c.id}/cycles`, { token: c.members[0]!.token, body: { title: 'x', budget: '1', currency: 'EUR', ballot: { type: 'approval' }, rule: 'greedy', schedule: { reviewAt: at(1) } } })), [403, 'forbidden'], 'a member');
      const ok = await expectJson<CycleView>(await create({ reviewAt: '2026-03-01T10:00:00+01:00', supportsAt: at(3), closeAt: at(5) }, { shortlist: { size: 2 } }), 201);
      t.same(ok.schedule, { reviewAt: at(1), supportsAt: at(3), closeAt: at(5) }, 'normalized to UTC');
      t.equal(ok.nextScheduledAt, at(1));
      await expectJson(await movePhase(api, c, ok.id, 'cancelled'), 200);
    });

    await t.test('the schedule runs the cycle: each move once, as system; a steward may move earlier', async (t) => {
      const cycle = await createCycle(api, c, { schedule: { reviewAt: at(1), votingAt: at(2), closeAt: at(3) } });
      const books = await propose(api, c, cycle.id, 0, 'Books', '40000');
      const garden = await propose(api, c, cycle.id, 1, 'Garden', '50000');
      const late = await propose(api, c, cycle.id, 2, 'Never reviewed', '10000');
      now = T0 + 3_599_000;
      await tick();
      t.equal((await read(cycle.id)).phase, 'proposals', 'nothing before its time');
      now = T0 + 3_600_000;
      await tick();
      await tick();
      t.equal((await read(cycle.id)).phase, 'review', 'review at reviewAt');
      t.match(await phaseEntries(cycle.id), [{ actor: 'system', payload: { from: 'proposals', to: 'review' } }], 'once, by system');
      t.equal((await read(cycle.id)).nextScheduledAt, at(2));
      await review(api, c, books.id);
      await review(api, c, garden.id);

      now = T0 + 5_400_000; // 1.5 h: a steward opens voting half an hour early
      const opened = await expectJson<CycleView>(await movePhase(api, c, cycle.id, 'voting'), 200);
      t.same(opened.ballotProposalIds, [books.id, garden.id], 'the unreviewed proposal is not on the ballot');
      t.same(opened.schedule, { reviewAt: at(1), votingAt: at(2), closeAt: at(3) }, 'the schedule is frozen with the ballot');
      const statuses = (await expectJson<{ items: ProposalView[] }>(await api.call('GET', `/v1/cycles/${cycle.id}/proposals`, { token: c.members[0]!.token }), 200)).items;
      t.equal(statuses.find((p) => p.id === late.id)?.status, 'not_reviewed');
      const [frozen] = (await entriesOf(api, c.id, 'cycle.voting-opened')).filter((e) => e.payload.cycleId === cycle.id);
      t.match(frozen?.payload, { schedule: { reviewAt: at(1), votingAt: at(2), closeAt: at(3) } }, 'the frozen ballot in the ledger carries the schedule');
      now = T0 + 7_200_000;
      await tick();
      t.equal((await read(cycle.id)).phase, 'voting', 'votingAt finds voting already open and does nothing');
      await expectJson(await api.call('PUT', `/v1/cycles/${cycle.id}/ballot`, { token: c.members[0]!.token, body: { approvals: [books.id] } }), 200);
      now = T0 + 3 * 3_600_000 + 500;
      await tick();
      await tick();
      t.equal((await read(cycle.id)).phase, 'closed', 'closed at closeAt');
      const closed = (await entriesOf(api, c.id, 'cycle.closed')).filter((e) => e.payload.cycleId === cycle.id);
      t.equal(closed.length, 1, 'closed once');
      t.equal(closed[0]?.actor, 'system');
      t.match(await expectJson(await api.call('GET', `/v1/cycles/${cycle.id}/outcome`), 200), { selected: [books.id], ballotsCounted: 1 });
      t.ok(logged.filter((m) => m === 'scheduled phase move').length >= 2, 'each move is logged');
    });

    await t.test('a schedule missed while the service was stopped is caught up once by the next service', async (t) => {
      now = T0 + 10 * 3_600_000;
      const cycle = await createCycle(api, c, { schedule: { reviewAt: at(11), votingAt: at(12), closeAt: at(13) } });
      const p = await propose(api, c, cycle.id, 0, 'Chalk', '1000');
      now = T0 + 11 * 3_600_000;
      await tick();
      await review(api, c, p.id);
      // the service stops; voting and close pass while it is down; a new service starts on the same database
      now = T0 + 20 * 3_600_000;
      const restarted = createServices(defaultDeps(api.handle.db, clock), serviceOptions(TEST_ORIGIN, TEST_SIGNING_SEED));
      const moves = await restarted.cycles.runDueSchedules(clock.now().toISOString());
      t.same(moves.filter((m) => m.cycleId === cycle.id).map((m) => m.to), ['voting', 'closed'], 'both missed moves, in order');
      t.same(await restarted.cycles.runDueSchedules(clock.now().toISOString()), [], 'and nothing the second time');
      await tick();
      t.equal((await entriesOf(api, c.id, 'cycle.voting-opened')).filter((e) => e.payload.cycleId === cycle.id).length, 1, 'voting opened once');
      t.equal((await entriesOf(api, c.id, 'cycle.closed')).filter((e) => e.payload.cycleId === cycle.id).length, 1, 'closed once');
      t.equal((await read(cycle.id)).nextScheduledAt, null);
    });

    await t.test('a scheduled move that cannot happen is reported once and tried again', async (t) => {
      now = T0 + 30 * 3_600_000;
      const empty = await createCycle(api, c, { schedule: { votingAt: at(31) } });
      now = T0 + 31 * 3_600_000;
      const errors: string[] = [];
      const first = await api.services.cycles.runDueSchedules(clock.now().toISOString(), (_id, err) => errors.push((err as { code?: string }).code ?? ''));
      t.same(first.map((m) => m.to), ['review'], 'review happens');
      t.same(errors, ['empty-ballot'], 'voting cannot open without an accepted proposal');
      const before = logged.length;
      await tick();
      await tick();
      t.equal(logged.slice(before).filter((m) => m.startsWith('error')).length, 1, 'logged once, not every tick');
      t.equal((await read(empty.id)).phase, 'review');
      t.same(problemOf(await api.call('POST', `/v1/cycles/${empty.id}/phase`, { token: ADMIN_TOKEN, body: { phase: 'cancelled' } })), [403, 'forbidden']);
      await expectJson(await movePhase(api, c, empty.id, 'cancelled'), 200);
      t.same(await api.services.cycles.runDueSchedules(clock.now().toISOString()), [], 'a cancelled cycle has nothing scheduled');
    });
  });
}
