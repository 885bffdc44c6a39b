/**
 * The four journeys in a real Chromium (issue 12): a member from invitation to the outcome, a
 * steward's cycle from proposals to spending, a funder's equity page, and an auditor's in-browser
 * verification that catches a tampered export. axe-core runs on every page visited.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { ADMIN_TOKEN, type TestApp } from '../helpers/app.js';
import { PROJECT_ROOT } from '../helpers/paths.js';
import { buildWeb, chromiumMissing, CHROMIUM, inviteFor, openBrowser, serve, type Browser, type Person } from './browser.js';

/** Waits (up to 10 s) for the element to be shown: an assertion on what a person would see after the page settles. */
async function shown(locator: { waitFor(options: { state: 'visible'; timeout: number }): Promise<void> }): Promise<boolean> {
  try {
    await locator.waitFor({ state: 'visible', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

if (chromiumMissing()) {
  if (process.env.CI === 'true') t.fail(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
  else t.plan(0, `${CHROMIUM} is missing (apt-get install chromium)`);
} else {
  const webRoot = await buildWeb(t);
  const { api, origin } = await serve(t, webRoot);
  const screenshots = process.env.SCREENSHOTS === '1';

  async function json<T>(status: number, method: string, url: string, token: string, body?: unknown): Promise<T> {
    const response = await api.call(method, url, { token, body });
    if (response.statusCode !== status) throw new Error(`${method} ${url}: expected ${status}, got ${response.statusCode} ${response.body}`);
    return response.json() as T;
  }

  async function community(slug: string, name: string, learners: number) {
    return json<{ id: string; name: string }>(201, 'POST', '/v1/communities', ADMIN_TOKEN, { slug, name, learners });
  }

  async function member(c: { id: string; name: string }, name: string, roles: string[]): Promise<Person> {
    const m = await json<{ id: string; token: string; roles: string[]; inviteUrl?: string }>(201, 'POST', `/v1/communities/${c.id}/members`, ADMIN_TOKEN, { name, roles });
    return { name, kind: 'member', id: m.id, token: m.token, communityId: c.id, communityName: c.name, roles: m.roles, ...(m.inviteUrl === undefined ? {} : { inviteUrl: m.inviteUrl }) };
  }

  const funderRow = await json<{ id: string; token: string; inviteUrl?: string }>(201, 'POST', '/v1/funders', ADMIN_TOKEN, { name: 'Lakeside Trust' });
  const funder: Person = { name: 'Lakeside Trust', kind: 'funder', id: funderRow.id, token: funderRow.token, communityId: null, communityName: null, roles: ['funder'], ...(funderRow.inviteUrl === undefined ? {} : { inviteUrl: funderRow.inviteUrl }) };
  const auditorRow = await json<{ id: string; token: string; inviteUrl?: string }>(201, 'POST', '/v1/auditors', ADMIN_TOKEN, { name: 'Network auditor' });
  const auditor: Person = { name: 'Network auditor', kind: 'auditor', id: auditorRow.id, token: auditorRow.token, communityId: null, communityName: null, roles: ['auditor'], ...(auditorRow.inviteUrl === undefined ? {} : { inviteUrl: auditorRow.inviteUrl }) };

  async function grant(communityId: string, amount: string) {
    await json(201, 'POST', '/v1/transfers', funder.token, { transferId: `grant-${communityId}-${amount}`, from: `external:${funder.id}`, to: `community:${communityId}`, amount, currency: 'EUR' });
  }

  async function checkpoint(testApp: TestApp) {
    await testApp.services.merkle.catchUpAll();
    await testApp.services.checkpoints.create();
  }

  function clean(tt: Test, browser: Browser) {
    tt.same(browser.problems, [], 'no axe violation, console error, uncaught error or failing request');
  }

  await t.test('member: invitation → vote → receipt verified → outcome', async (tt) => {
    const school = await community('riverside', 'Riverside School', 240);
    await grant(school.id, '5000000');
    const steward = await member(school, 'Sam Steward', ['member', 'steward']);
    const alice = await member(school, 'Alice', ['member']);
    const cycle = await json<{ id: string }>(201, 'POST', `/v1/communities/${school.id}/cycles`, steward.token, {
      title: 'Spring budget',
      budget: '200000',
      currency: 'EUR',
      ballot: { type: 'knapsack' },
      rule: 'greedy',
    });
    const titles = ['New library books', 'Garden beds', 'Robotics kit'];
    const costs = ['150000', '40000', '90000'];
    const ids: string[] = [];
    for (const [i, title] of titles.entries()) ids.push((await json<{ id: string }>(201, 'POST', `/v1/cycles/${cycle.id}/proposals`, steward.token, { title, cost: costs[i] })).id);
    await json(200, 'POST', `/v1/cycles/${cycle.id}/phase`, steward.token, { phase: 'review' });
    for (const id of ids) await json(200, 'POST', `/v1/proposals/${id}/review`, steward.token, { decision: 'accept' });
    await json(200, 'POST', `/v1/cycles/${cycle.id}/phase`, steward.token, { phase: 'voting' });
    await checkpoint(api); // a checkpoint exists, but not one covering Alice's ballot

    const b = await openBrowser(tt, origin, alice, { width: 360, height: 800 });
    const { page } = b;
    await page.goto(inviteFor(origin, alice));
    await page.getByRole('heading', { level: 1, name: 'Riverside School' }).waitFor();
    tt.equal(new URL(page.url()).hash, '', 'the invitation code is gone from the address bar');
    await b.axe('community page');
    await page.getByRole('link', { name: 'Spring budget' }).click();
    await page.getByRole('heading', { level: 1, name: 'Spring budget' }).waitFor();
    tt.ok(await shown(page.getByText('€1,500.00')), 'prices in major units of the currency');
    await b.axe('voting booth');

    // Over the budget: the service refuses and the page says why.
    b.expectFailure('PUT', /\/ballot$/, 422);
    b.expectFailure('PUT', /\/ballot$/, 409);
    for (const title of titles) await page.getByRole('checkbox', { name: title }).check();
    await page.getByText(/more than the budget/).waitFor();
    await page.getByRole('button', { name: 'Cast ballot' }).click();
    await page.getByRole('alert').filter({ hasText: /Refused: .*budget/ }).waitFor();
    await b.axe('voting booth, refused');

    await page.getByRole('checkbox', { name: 'Robotics kit' }).uncheck();
    await page.getByRole('checkbox', { name: 'New library books' }).uncheck();
    await page.getByRole('checkbox', { name: 'Robotics kit' }).check();
    await page.getByText(/Left: €700\.00/).waitFor();
    await page.getByRole('button', { name: 'Cast ballot' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Your ballot is recorded' });
    await status.waitFor();
    tt.match(await status.textContent(), /[0-9a-f]{64}/, 'the status message shows the receipt hash');
    await b.axe('voting booth, cast');
    if (screenshots) await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'voting-booth.png'), fullPage: true });

    await page.getByRole('link', { name: /receipt/ }).click();
    await page.getByText(/no signed checkpoint covers it yet/).waitFor();
    await b.axe('receipt page, not covered');
    await checkpoint(api);
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.getByText('included', { exact: false }).first().waitFor();
    tt.ok(await shown(page.getByText('Your ballot is included in the ledger.')), 'the browser verified the inclusion proof');
    await b.axe('receipt page, included');

    await json(200, 'POST', `/v1/cycles/${cycle.id}/phase`, steward.token, { phase: 'closed' });
    await page.goto(`${origin}/c/${school.id}/cycles/${cycle.id}`);
    await page.getByRole('heading', { name: 'Outcome' }).waitFor();
    const selected = page.getByRole('heading', { name: 'Selected proposals' }).locator('xpath=following-sibling::ul[1]');
    tt.match(await selected.textContent(), /Garden beds/, 'the selected proposal by title');
    tt.match(await selected.textContent(), /Robotics kit/, 'and the other one');
    tt.ok(await shown(page.getByRole('img', { name: /Votes per proposal/ })), 'a chart');
    await b.axe('outcome');
    clean(tt, b);
  });

  await t.test('steward: a cycle from proposals to spending', async (tt) => {
    const school = await community('hillside', 'Hillside Learning Cooperative', 60);
    await grant(school.id, '3000000');
    const steward = await member(school, 'Sam Steward', ['member', 'steward']);
    const voter = await member(school, 'Vera', ['member']);
    const b = await openBrowser(tt, origin, steward);
    const { page } = b;
    await page.goto(inviteFor(origin, steward));
    await page.getByRole('heading', { level: 1, name: 'Hillside Learning Cooperative' }).waitFor();
    await b.axe('community page (steward)');
    await page.getByLabel('Title', { exact: true }).fill('Autumn projects');
    await page.getByLabel('Budget', { exact: true }).fill('1000');
    await page.getByRole('button', { name: 'Open cycle' }).click();
    await page.getByRole('heading', { level: 1, name: 'Autumn projects' }).waitFor();
    await b.axe('cycle in proposals (steward)');
    await page.getByLabel('Title', { exact: true }).fill('Garden beds');
    await page.getByLabel(/^Cost/).fill('400');
    await page.getByRole('button', { name: 'Submit proposal' }).click();
    await page.getByRole('status').filter({ hasText: 'Garden beds' }).waitFor();
    await page.getByLabel('Title', { exact: true }).fill('Microscopes');
    await page.getByLabel(/^Cost/).fill('300.50');
    await page.getByRole('button', { name: 'Submit proposal' }).click();
    await page.getByRole('status').filter({ hasText: 'Microscopes' }).waitFor();
    await page.getByRole('button', { name: /Move to the next phase/ }).click();
    await page.getByRole('button', { name: 'Accept “Garden beds”' }).click();
    await page.getByLabel('Reason for “Microscopes” (optional)', { exact: true }).fill('Cost estimate needed');
    await b.axe('review (steward)');
    await page.getByRole('button', { name: 'Reject “Microscopes”' }).click();
    await page.getByText('No proposal is waiting for review.').waitFor();
    await page.getByRole('button', { name: /Move to the next phase: voting open/ }).click();
    await page.getByText('0 members have voted so far.').waitFor();
    await b.axe('voting (steward)');

    // Paper ballots, four eyes: Sam enters a batch from the tally sheet, Pat confirms it.
    await page.getByLabel('Batch name (letters, digits, . _ -)', { exact: true }).fill('box-1');
    await page.getByLabel('Scan of the tally sheet (its SHA-256 is kept)', { exact: true }).setInputFiles({ name: 'box-1.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 tally sheet of box 1') });
    await page.getByRole('group', { name: /^Ballot 1:/ }).getByRole('checkbox', { name: 'Garden beds' }).check();
    await page.getByRole('button', { name: 'Add this ballot to the batch' }).click();
    await page.getByRole('list', { name: 'Ballots in this batch' }).getByText('Garden beds').waitFor();
    await b.axe('paper batch being entered (steward)');
    await page.getByRole('button', { name: 'Enter the batch (1 ballot)' }).click();
    await page.getByText('Batch box-1 entered with 1 ballot; another steward confirms it.').waitFor();
    await page.getByText('Another steward confirms or rejects the batches you entered.').waitFor();
    const pat = await member(school, 'Pat Steward', ['member', 'steward']);
    const second = await openBrowser(tt, origin, pat);
    await second.page.goto(inviteFor(origin, pat));
    await second.page.getByRole('heading', { level: 1, name: 'Hillside Learning Cooperative' }).waitFor();
    await second.page.getByRole('link', { name: 'Autumn projects' }).click();
    await second.page.getByRole('button', { name: 'Confirm batch box-1' }).click();
    await second.page.getByText('1 ballot; confirmed: counted at the close.').waitFor();
    await second.axe('paper batch confirmed (second steward)');
    clean(tt, second);

    const cycleId = new URL(page.url()).pathname.split('/').pop() ?? '';
    const proposals = await json<{ items: { id: string; title: string }[] }>(200, 'GET', `/v1/cycles/${cycleId}/proposals`, voter.token);
    const garden = proposals.items.find((p) => p.title === 'Garden beds')?.id ?? '';
    await json(200, 'PUT', `/v1/cycles/${cycleId}/ballot`, voter.token, { approvals: [garden] });
    await page.getByRole('button', { name: 'Refresh turnout' }).click();
    await page.getByText('1 member has voted so far.').waitFor();
    await page.getByRole('button', { name: /Move to the next phase: closed/ }).click();
    await page.getByRole('heading', { name: 'Outcome' }).waitFor();
    await page.getByRole('button', { name: /Move to the next phase: being carried out/ }).click();
    await page.getByRole('heading', { name: 'Record spending on “Garden beds”' }).waitFor();
    await b.axe('implementation (steward)');
    await page.getByLabel('Amount (EUR)', { exact: true }).fill('150');
    await page.getByLabel('Receipt reference (invoice number)', { exact: true }).fill('INV-2026-001');
    await page.getByRole('button', { name: 'Record spending' }).click();
    await page.getByText('Recorded €150.00 with receipt INV-2026-001.').waitFor();
    await page.getByText(/spent €150\.00; €250\.00 left/).waitFor();
    await page.getByLabel('What happened', { exact: true }).fill('Beds built; seeds ordered.');
    await page.getByRole('button', { name: 'Save progress report' }).click();
    await page.getByText('Progress report saved.').waitFor();

    await page.getByRole('link', { name: 'Back to the community' }).click();
    await page.getByRole('link', { name: 'Members and invitations' }).click();
    await page.getByRole('heading', { level: 1, name: /Members of/ }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Bob');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByText('Bob was added.').waitFor();
    tt.ok(await shown(page.getByRole('cell', { name: 'Bob' })), 'the new member is listed');
    await b.axe('members (steward)');
    clean(tt, b);
  });

  await t.test('steward and member: a shortlist gathers supports, then the cycle is called off', async (tt) => {
    const school = await community('meadow', 'Meadow School', 80);
    await grant(school.id, '2000000');
    const steward = await member(school, 'Sam Steward', ['member', 'steward']);
    const mia = await member(school, 'Mia', ['member']);
    const cycle = await json<{ id: string }>(201, 'POST', `/v1/communities/${school.id}/cycles`, steward.token, {
      title: 'Shortlisted ideas',
      budget: '100000',
      currency: 'EUR',
      ballot: { type: 'approval' },
      rule: 'greedy',
      shortlist: { size: 1 },
    });
    const ideas: string[] = [];
    for (const title of ['Reading corner', 'Chess club']) ideas.push((await json<{ id: string }>(201, 'POST', `/v1/cycles/${cycle.id}/proposals`, steward.token, { title, cost: '30000' })).id);
    await json(200, 'POST', `/v1/cycles/${cycle.id}/phase`, steward.token, { phase: 'review' });
    for (const id of ideas) await json(200, 'POST', `/v1/proposals/${id}/review`, steward.token, { decision: 'accept' });

    const s = await openBrowser(tt, origin, steward);
    await s.page.goto(inviteFor(origin, steward));
    await s.page.getByRole('heading', { level: 1, name: 'Meadow School' }).waitFor();
    await s.page.getByRole('link', { name: 'Shortlisted ideas' }).click();
    await s.page.getByRole('button', { name: 'Move to the next phase: gathering supports' }).click();
    await s.page.getByRole('button', { name: /Move to the next phase: voting open/ }).waitFor();
    await s.axe('supports (steward)');

    const m = await openBrowser(tt, origin, mia);
    await m.page.goto(inviteFor(origin, mia));
    await m.page.getByRole('heading', { level: 1, name: 'Meadow School' }).waitFor();
    await m.page.getByRole('link', { name: 'Shortlisted ideas' }).click();
    await m.page.getByRole('status').filter({ hasText: 'You do not support this proposal; 0 members support it.' }).first().waitFor();
    await m.page.getByRole('button', { name: 'Support “Chess club” for the ballot' }).click();
    await m.page.getByRole('status').filter({ hasText: 'You support this proposal; 1 member supports it.' }).waitFor();
    await m.axe('supports (member)');
    await m.page.getByRole('button', { name: 'Take back your support of “Chess club”' }).click();
    await m.page.getByRole('status').filter({ hasText: 'You do not support this proposal; 0 members support it.' }).nth(1).waitFor();
    await m.page.getByRole('button', { name: 'Support “Reading corner” for the ballot' }).click();
    await m.page.reload();
    await m.page.getByRole('status').filter({ hasText: 'You support this proposal; 1 member supports it.' }).waitFor();
    tt.ok(await shown(m.page.getByRole('button', { name: 'Take back your support of “Reading corner”' })), 'after a reload the page knows the member supports it');
    clean(tt, m);

    await s.page.getByLabel('Why (kept in the ledger)', { exact: true }).fill('The school closes for renovation');
    await s.page.getByRole('button', { name: 'Cancel the cycle and return its budget' }).click();
    await s.page.getByText(/cancelled/).first().waitFor();
    tt.equal(await s.page.getByRole('button', { name: /Move to the next phase/ }).count(), 0, 'a cancelled cycle moves no further');
    const after = await json<{ phase: string }>(200, 'GET', `/v1/cycles/${cycle.id}`, steward.token);
    tt.equal(after.phase, 'cancelled', 'the service has the cycle cancelled');
    await s.axe('cancelled (steward)');
    clean(tt, s);
  });

  await t.test('funder: the equity page and a distribution previewed before it is committed', async (tt) => {
    const north = await community('north', 'North Primary', 300);
    const south = await community('south', 'South Academy', 100);
    await grant(north.id, '600000');
    await grant(south.id, '900000');
    const b = await openBrowser(tt, origin, funder);
    const { page } = b;
    await page.goto(inviteFor(origin, funder));
    await page.getByRole('heading', { level: 1, name: 'Funding' }).waitFor();
    await b.axe('funder landing');
    await page.getByLabel('Amount', { exact: true }).fill('1000');
    await page.getByRole('button', { name: 'Grant' }).click();
    await page.getByText('Granted €1,000.00 to the pool.').waitFor();
    await page.getByRole('link', { name: 'Equity' }).click();
    await page.getByRole('heading', { level: 1, name: /Equity/ }).waitFor();
    await page.getByRole('img', { name: /Lorenz/ }).waitFor();
    tt.ok(await shown(page.getByRole('img', { name: /Lorenz/ })), 'the Lorenz curve, named');
    tt.ok(await shown(page.getByText('Gini coefficient')), 'Gini');
    tt.ok(await shown(page.getByText('Theil index')), 'Theil');
    tt.ok(await shown(page.getByRole('img', { name: /funding per learner/ }).first()), 'per-learner bars');
    await b.axe('equity');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    tt.equal(download.suggestedFilename(), 'equity.csv', 'the CSV downloads');
    await page.getByLabel('Amount', { exact: true }).fill('500');
    await page.getByRole('button', { name: 'Preview distribution' }).click();
    const preview = page.getByRole('table', { name: /Preview/ });
    await preview.waitFor();
    tt.match(await preview.textContent(), /North Primary/, 'community names in the preview');
    tt.match(await preview.textContent(), /South Academy/, 'every community');
    await b.axe('distribution preview');
    if (screenshots) await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'equity.png'), fullPage: true });
    await page.getByRole('button', { name: 'Commit distribution' }).click();
    await page.getByText(/Distributed €500\.00 to/).waitFor();

    // A second currency in the network: the report covers one at a time, and the page offers the choice.
    await json(201, 'POST', '/v1/communities', ADMIN_TOKEN, { slug: 'warsaw', name: 'Warsaw Learning Circle', learners: 50, currency: 'PLN' });
    // the page asks once without a currency and learns the choices from the 400 currency-required
    b.expectFailure('GET', /^\/v1\/reports\/equity$/, 400);
    await page.waitForLoadState('networkidle'); // the report the commit reloads, before the page is reloaded
    await page.reload();
    const currency = page.getByLabel('Currency', { exact: true });
    await currency.waitFor();
    tt.same(await currency.locator('option').allTextContents(), ['EUR', 'PLN'], 'both currencies offered');
    await page.getByRole('row', { name: /North Primary/ }).waitFor();
    await currency.selectOption('PLN');
    await page.getByRole('row', { name: /Warsaw Learning Circle/ }).waitFor();
    tt.equal(await page.getByRole('row', { name: /North Primary/ }).count(), 0, 'the PLN report lists only PLN communities');
    await b.axe('equity, a second currency');
    clean(tt, b);
  });

  await t.test('auditor: verifies the export in the browser, recounts, and catches a tampered export', async (tt) => {
    const b = await openBrowser(tt, origin, auditor);
    const { page } = b;
    await checkpoint(api);
    await page.goto(inviteFor(origin, auditor));
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    await b.axe('audit');
    await page.getByRole('button', { name: 'Verify the service’s current export' }).click();
    await page.getByText(/The export verifies/).waitFor({ timeout: 60_000 });
    tt.ok(await shown(page.getByText(/signature valid/)), 'the checkpoint signature was checked');
    tt.ok(await shown(page.getByText(/Merkle root of network/)), 'Merkle roots recomputed');
    await b.axe('audit, verified');
    await page.getByLabel('Closed cycle', { exact: true }).selectOption({ label: 'Riverside School: Spring budget' });
    await page.getByRole('button', { name: 'Recount' }).click();
    await page.getByText(/The recount of 1 ballot equals the published outcome/).waitFor({ timeout: 60_000 });
    const recounted = page.getByRole('status').filter({ hasText: 'Selected by the recount' });
    await recounted.getByRole('listitem').first().waitFor(); // listed once the cycle's titles are loaded
    tt.match(await recounted.textContent(), /Garden beds/, 'the recount names the selected proposals');
    await b.axe('audit, recounted');

    // A tampered export: one ballot's choice changed after the fact.
    const exported = (await api.call('GET', '/v1/ledger/export', { token: auditor.token })).body;
    const lines = exported.trimEnd().split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"ballot.cast"'));
    tt.ok(at >= 0, 'the export has a ballot');
    const tampered = lines[at]?.replace(/"sealed":\{"ct":"/, '"sealed":{"ct":"A') ?? '';
    tt.not(tampered, lines[at], 'the line was changed');
    lines[at] = tampered;
    const dir = mkdtempSync(join(tmpdir(), 'agl-export-'));
    const file = join(dir, 'tampered.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const entry = JSON.parse(tampered) as { stream: string; seq: number };
    await page.getByLabel('Export file (JSON Lines)', { exact: true }).setInputFiles(file);
    await page.getByRole('button', { name: 'Verify the file' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Problem found' });
    await alert.waitFor({ timeout: 60_000 });
    tt.match(await alert.textContent(), new RegExp(`stream ${entry.stream} at seq ${entry.seq}`), 'the problem names the stream and seq');
    await b.axe('audit, tampered');
    clean(tt, b);
  });
}
