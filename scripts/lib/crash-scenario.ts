/**
 * The crash-safety scenario (issue "Hardening", item 4), shared by `scripts/crash-test.ts` and
 * `test/integration/crash.test.ts`: the real service in a child process; concurrent clients cast
 * ballots; the process is SIGKILLed while requests are in flight; it restarts on the same data and
 * must show that
 *   - every ballot answered 2xx is durable: its receipt resolves and its entry is in the export with
 *     the same stream, seq and choices;
 *   - nothing is half-written: every ballot.cast entry has its projection (receipt lookup, ballot
 *     count), the chain verifies online and offline, streams are dense, heads match;
 *   - no phantom ballots: entries beyond the acknowledged ones number at most the requests that got
 *     no answer;
 *   - the service keeps working: the remaining ballots all succeed, their seqs continue the stream
 *     with no gap, and a SIGTERM afterwards stops it cleanly.
 * Checks are data (name, ok, detail) so the script prints them and the test asserts each one. The
 * state checks are split into `observe` (HTTP) and `judgeState` (pure), so a test can hand the judge
 * a tampered observation and see it fail.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyExport } from '../../src/audit/export-verifier.js';
import { parseExportLine, type RecordedEntry } from '../../src/ledger/index.js';
import { HttpClient } from './http-client.js';
import { createScratchDatabase, DEFAULT_SERVER_URL, type ScratchDatabase } from './scratch-postgres.js';
import { startService, type ServiceProcess } from './service-process.js';
import { ballotBody, buildVotingWorld, inParallel, type VotingWorld } from './voting-world.js';

export type CrashDatabase = 'pglite' | 'postgres';

export interface CrashOptions {
  db: CrashDatabase;
  /** Ballots to cast in all (each a PUT; members vote several times when ballots > members). */
  ballots: number;
  clients: number;
  members: number;
  /** SIGKILLs, spread evenly over the run (the first at ballots/(kills+1) acknowledged ballots). */
  kills: number;
  /** PostgreSQL server on which a scratch database is created and dropped (127.0.0.1 only). */
  serverUrl?: string;
  /** Keep the data directory and the scratch database (else the data directory is kept only on failure). */
  keep?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface CrashCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface CrashFigures {
  attempted: number;
  acknowledged: number;
  /** Requests that got no HTTP answer (in flight at a kill). */
  unanswered: number;
  /** Answers other than 2xx (should be none). */
  refused: number;
  /** Ballot entries in the ledger at the end. */
  ledgerBallots: number;
  /** Committed ballots whose client never saw the answer (≤ unanswered). */
  committedUnacknowledged: number;
  firstStartMs: number;
  restartMs: number[];
  killedAtAcknowledged: number[];
  /** Requests sent and not yet answered when each SIGKILL was sent (some answers may already be on the wire). */
  inFlightAtKill: number[];
}

export interface CrashReport {
  db: CrashDatabase;
  ok: boolean;
  checks: CrashCheck[];
  figures: CrashFigures;
  dataDir: string;
  /** The service's output, kept when something failed. */
  serviceOutput: string;
  /** What the clients sent and got back. */
  casts: Cast[];
  /** The last observation of the restarted service (judged into the last checks). */
  lastSeen: Observation | undefined;
}

export interface Receipt {
  stream: string;
  seq: number;
  hash: string;
}

export interface Cast {
  index: number;
  member: number;
  approvals: string[];
  /** 0 when no answer arrived. */
  status: number;
  receipt: Receipt | undefined;
  /** Which run of the service it went to (0 before the first kill). */
  life: number;
  error: string | undefined;
}

class Checks {
  readonly list: CrashCheck[] = [];
  add(name: string, ok: boolean, detail: string): boolean {
    this.list.push({ name, ok, detail });
    return ok;
  }
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && [...a].sort().join() === [...b].sort().join();
const sample = <T>(items: readonly T[], n = 3): string => JSON.stringify(items.slice(0, n)) + (items.length > n ? ` … (${items.length} in all)` : '');

export async function runCrashScenario(options: CrashOptions): Promise<CrashReport> {
  const log = options.log ?? (() => undefined);
  const adminToken = `agl_admin_crash_${randomBytes(16).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), `agora-crash-${options.db}-`));
  const checks = new Checks();
  const figures: CrashFigures = {
    attempted: 0,
    acknowledged: 0,
    unanswered: 0,
    refused: 0,
    ledgerBallots: 0,
    committedUnacknowledged: 0,
    firstStartMs: 0,
    restartMs: [],
    killedAtAcknowledged: [],
    inFlightAtKill: [],
  };
  let scratch: ScratchDatabase | undefined;
  let service: ServiceProcess | undefined;
  let outputs = '';
  const casts: Cast[] = [];
  let lastSeen: Observation | undefined;
  const start = (): Promise<ServiceProcess> =>
    startService({
      databaseUrl: scratch?.url,
      dataDir,
      adminToken,
      // Checkpoints every second (with the Merkle indexer) widen what a kill can interrupt; no rate limit
      // (RATE_LIMIT_PER_MINUTE=0), since every client comes from 127.0.0.1.
      env: { CHECKPOINT_INTERVAL_SECONDS: '1', RATE_LIMIT_PER_MINUTE: '0' },
      readyTimeoutMs: 180_000,
    });

  try {
    if (options.db === 'postgres') {
      scratch = await createScratchDatabase(options.serverUrl ?? DEFAULT_SERVER_URL, 'agora_crash');
      log(`scratch database ${scratch.name}`);
    }
    service = await start();
    figures.firstStartMs = service.startMs;
    log(`service up on ${service.baseUrl} (pid ${service.pid}, ${service.startMs} ms)`);
    let api = new HttpClient(service.baseUrl);
    const world = await buildVotingWorld(api, adminToken, { slug: `crash-${options.db}`, members: options.members });
    log(`community ${world.communityId}: ${world.members.length} members, cycle ${world.cycleId} in voting`);

    let nextIndex = 0;
    for (let life = 0; life <= options.kills; life += 1) {
      const lastLife = life === options.kills;
      const killAt = lastLife ? undefined : Math.max(1, Math.floor((options.ballots * (life + 1)) / (options.kills + 1)));
      // After the last restart the rest of the run is cast, and at least one ballot.
      const upTo = lastLife ? Math.max(options.ballots, nextIndex + 1) : options.ballots;
      const running: ServiceProcess = service;
      const headBefore = lastLife ? await streamHead(api, adminToken, world.stream) : undefined;
      const phase = await castBallots(api, world, { life, from: nextIndex, upTo, clients: options.clients, killAt, acknowledgedSoFar: countAcknowledged(casts), kill: () => running.kill() });
      casts.push(...phase.casts);
      nextIndex = phase.nextIndex;
      const acknowledged = countAcknowledged(casts);
      log(`life ${life}: ${phase.casts.length} ballots sent, ${phase.casts.filter((c) => c.receipt !== undefined).length} acknowledged${killAt === undefined ? '' : `, SIGKILL at ${acknowledged} acknowledged with ${phase.inFlightAtKill} in flight`}`);

      if (lastLife) {
        const mine = phase.casts;
        checks.add('after restart: every new ballot is acknowledged', mine.every((c) => c.receipt !== undefined), `${mine.filter((c) => c.receipt !== undefined).length}/${mine.length} answered 2xx${describeFailures(mine)}`);
        const seqs = mine.flatMap((c) => (c.receipt === undefined ? [] : [c.receipt.seq])).sort((a, b) => a - b);
        const expected = Array.from({ length: seqs.length }, (_, k) => (headBefore?.size ?? 0) + 1 + k);
        checks.add('after restart: new ballots continue the stream densely', seqs.join() === expected.join(), `head was ${headBefore?.size}; new seqs ${seqs[0]}…${seqs[seqs.length - 1]} (${seqs.length})`);
        lastSeen = await observe(api, adminToken, world, casts);
        const judged = await judgeState('end of run', lastSeen, casts);
        checks.list.push(...judged.checks);
        figures.ledgerBallots = judged.ballotEntries;
        const stop = await service.stop(30_000);
        outputs += service.output();
        service = undefined;
        checks.add('graceful stop (SIGTERM) after recovery', stop.code === 0 && !stop.hung, stop.hung ? 'did not exit within 30 s: killed' : `exit code ${stop.code}, signal ${stop.signal}`);
        break;
      }

      const exit = await running.exited;
      outputs += running.output();
      figures.killedAtAcknowledged.push(acknowledged);
      figures.inFlightAtKill.push(phase.inFlightAtKill);
      checks.add(`kill ${life + 1}: the process died of SIGKILL with requests in flight`, exit.signal === 'SIGKILL' && phase.inFlightAtKill > 0, `signal ${exit.signal}, ${phase.inFlightAtKill} request(s) in flight`);
      try {
        service = await start();
      } catch (err) {
        service = undefined;
        checks.add(`restart ${life + 1}: the service starts on the same data`, false, err instanceof Error ? err.message.slice(0, 4000) : String(err));
        break;
      }
      figures.restartMs.push(service.startMs);
      checks.add(`restart ${life + 1}: the service starts on the same data`, true, `healthy after ${service.startMs} ms`);
      log(`restart ${life + 1}: up again after ${service.startMs} ms`);
      api = new HttpClient(service.baseUrl);
      lastSeen = await observe(api, adminToken, world, casts);
      checks.list.push(...(await judgeState(`after kill ${life + 1}`, lastSeen, casts)).checks);
    }

    figures.attempted = casts.length;
    figures.acknowledged = countAcknowledged(casts);
    figures.unanswered = casts.filter((c) => c.status === 0).length;
    figures.refused = casts.filter((c) => c.status !== 0 && c.receipt === undefined).length;
    checks.add('no ballot refused or failed with an HTTP answer', figures.refused === 0, `${figures.refused} non-2xx answers${describeFailures(casts)}`);
    figures.committedUnacknowledged = figures.ledgerBallots - figures.acknowledged;
  } catch (err) {
    checks.add('scenario ran to the end', false, err instanceof Error ? (err.stack ?? err.message) : String(err));
  } finally {
    if (service !== undefined) {
      await service.kill();
      outputs += service.output();
    }
  }
  const ok = checks.list.length > 0 && checks.list.every((c) => c.ok);
  if (scratch !== undefined && options.keep !== true) await scratch.drop();
  if (ok && options.keep !== true) rmSync(dataDir, { recursive: true, force: true });
  return { db: options.db, ok, checks: checks.list, figures, dataDir, serviceOutput: ok ? '' : outputs, casts, lastSeen };
}

const countAcknowledged = (casts: readonly Cast[]): number => casts.filter((c) => c.receipt !== undefined).length;

function describeFailures(casts: readonly Cast[]): string {
  const failed = casts.filter((c) => c.status !== 0 && c.receipt === undefined);
  return failed.length === 0 ? '' : `; e.g. ${sample(failed.map((c) => `${c.status} ${c.error ?? ''}`.slice(0, 300)))}`;
}

interface PhaseOptions {
  life: number;
  from: number;
  upTo: number;
  clients: number;
  /** Kill once this many ballots (over the whole run) are acknowledged. */
  killAt: number | undefined;
  acknowledgedSoFar: number;
  kill: () => Promise<unknown>;
}

/** C clients take ballot indexes in order; at the threshold the service is SIGKILLed mid-flight. */
async function castBallots(api: HttpClient, world: VotingWorld, o: PhaseOptions): Promise<{ casts: Cast[]; nextIndex: number; inFlightAtKill: number }> {
  const casts: Cast[] = [];
  let next = o.from;
  let acknowledged = o.acknowledgedSoFar;
  let inFlight = 0;
  let inFlightAtKill = 0;
  let killing = false;
  let killed = false;
  const client = async (): Promise<void> => {
    while (!killed && next < o.upTo) {
      const index = next;
      next += 1;
      const member = index % world.members.length;
      const token = world.members[member]?.token;
      const body = ballotBody(index, world.proposalIds);
      inFlight += 1;
      const answer = await api.call('PUT', `/v1/cycles/${world.cycleId}/ballot`, { token, body, timeoutMs: 60_000 });
      inFlight -= 1;
      const receipt = answer.status === 200 ? answer.json<{ receipt: Receipt }>().receipt : undefined;
      casts.push({ index, member, approvals: body.approvals, status: answer.status, receipt, life: o.life, error: receipt === undefined ? answer.text : undefined });
      if (receipt !== undefined) acknowledged += 1;
      if (!killing && o.killAt !== undefined && acknowledged >= o.killAt) {
        killing = true;
        // Later kills land a few ms after the triggering answer (the other clients keep sending), so they
        // catch the server at other points of a write.
        const delayMs = (o.life * 5) % 17;
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        killed = true;
        inFlightAtKill = inFlight;
        await o.kill();
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  if (o.killAt !== undefined && !killed) {
    // Fewer ballots than the threshold: kill anyway, so every planned kill happens.
    killed = true;
    await o.kill();
  }
  return { casts, nextIndex: next, inFlightAtKill };
}

async function streamHead(api: HttpClient, adminToken: string, stream: string): Promise<StreamHead | undefined> {
  const { streams } = await api.expect<{ streams: StreamHead[] }>(200, 'GET', '/v1/ledger/streams', { token: adminToken });
  return streams.find((s) => s.stream === stream);
}

export interface StreamHead {
  stream: string;
  size: number;
  head: string;
}

export interface ReceiptLookup {
  status: number;
  stream?: string;
  seq?: number;
  cycleId?: string;
}

/** What the restarted service shows, gathered over HTTP; judged by `judgeState`. */
export interface Observation {
  cycleId: string;
  verify: { ok: boolean; entries: number; problems: unknown[] };
  exportStatus: number;
  exportLines: string[];
  heads: StreamHead[];
  /** GET /v1/receipts/{hash} for every acknowledged receipt and every ballot entry of the cycle. */
  lookups: Record<string, ReceiptLookup>;
  ballotCount: number;
  /**
   * Ballots are sealed in the ledger while voting is open: what each member's current ballot holds,
   * as the member reads it back (GET /v1/cycles/{id}/ballot), by receipt hash.
   */
  ownBallots: Record<string, string[]>;
}

/**
 * A later ballot of the same member replaced this one, or may have: an acknowledged one, or one
 * that got no answer (a batch can commit and the process die before it answers; issue 15's group
 * commit makes that several ballots rather than one).
 */
function isReplaced(cast: Cast, casts: readonly Cast[]): boolean {
  return casts.some((c) => c.member === cast.member && c.index > cast.index && (c.receipt !== undefined || c.status === 0));
}

const ballotEntriesOf = (entries: readonly RecordedEntry[], cycleId: string): RecordedEntry[] =>
  entries.filter((e) => e.type === 'ballot.cast' && (e.payload as { cycleId?: unknown }).cycleId === cycleId);

function parseLines(lines: readonly string[]): RecordedEntry[] {
  return lines.filter((l) => l.trim() !== '').map((l, i) => parseExportLine(l, i + 1));
}

export async function observe(api: HttpClient, adminToken: string, world: VotingWorld, casts: readonly Cast[]): Promise<Observation> {
  const verify = await api.expect<Observation['verify']>(200, 'GET', '/v1/ledger/verify', { token: adminToken, timeoutMs: 120_000 });
  const exported = await api.call('GET', '/v1/ledger/export', { token: adminToken, timeoutMs: 120_000 });
  const exportLines = exported.status === 200 ? exported.text.split('\n').filter((l) => l.trim() !== '') : [];
  const { streams: heads } = await api.expect<{ streams: StreamHead[] }>(200, 'GET', '/v1/ledger/streams', { token: adminToken });
  let ballotHashes: string[] = [];
  try {
    ballotHashes = ballotEntriesOf(parseLines(exportLines), world.cycleId).map((e) => e.hash);
  } catch {
    // A malformed export is judged as such; the lookups then cover the acknowledged receipts only.
  }
  const hashes = [...new Set([...casts.flatMap((c) => (c.receipt === undefined ? [] : [c.receipt.hash])), ...ballotHashes])];
  const answers = await inParallel(hashes.length, 8, async (i): Promise<ReceiptLookup> => {
    const answer = await api.call('GET', `/v1/receipts/${hashes[i] ?? ''}`);
    if (answer.status !== 200) return { status: answer.status };
    const found = answer.json<{ receipt: Receipt; cycleId: string }>();
    return { status: 200, stream: found.receipt.stream, seq: found.receipt.seq, cycleId: found.cycleId };
  });
  const lookups = Object.fromEntries(hashes.map((h, i) => [h, answers[i] as ReceiptLookup]));
  const count = await api.expect<{ ballots: number }>(200, 'GET', `/v1/cycles/${world.cycleId}/ballots/count`, { token: world.steward.token });
  const voters = [...new Set(casts.filter((c) => c.receipt !== undefined).map((c) => c.member))];
  const own = await inParallel(voters.length, 8, async (i) => {
    const answer = await api.call('GET', `/v1/cycles/${world.cycleId}/ballot`, { token: world.members[voters[i] ?? 0]?.token ?? '' });
    if (answer.status !== 200) return undefined;
    const found = answer.json<{ receipt: Receipt; ballot: { approvals?: string[] } | null }>();
    return found.ballot?.approvals === undefined ? undefined : ([found.receipt.hash, found.ballot.approvals] as const);
  });
  const ownBallots = Object.fromEntries(own.filter((o) => o !== undefined));
  return { cycleId: world.cycleId, verify, exportStatus: exported.status, exportLines, heads, lookups, ballotCount: count.ballots, ownBallots };
}

async function* asLines(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}

/**
 * Everything that must hold of the data at rest after a restart (and at the end), as checks.
 * Pure over the observation and the client-side record of what was sent and acknowledged.
 */
export async function judgeState(when: string, seen: Observation, casts: readonly Cast[]): Promise<{ checks: CrashCheck[]; ballotEntries: number }> {
  const checks = new Checks();
  checks.add(`${when}: ledger verify ok`, seen.verify.ok && seen.verify.problems.length === 0, `ok=${seen.verify.ok}, ${seen.verify.entries} entries, problems ${sample(seen.verify.problems)}`);
  if (!checks.add(`${when}: export answers 200`, seen.exportStatus === 200, `status ${seen.exportStatus}`)) return { checks: checks.list, ballotEntries: 0 };
  const offline = await verifyExport(asLines(seen.exportLines));
  checks.add(`${when}: export verifies offline (dense seqs, links, hashes)`, offline.ok, offline.ok ? `${offline.entries} entries in ${offline.streams.length} streams` : JSON.stringify(offline.firstProblem));
  let entries: RecordedEntry[];
  try {
    entries = parseLines(seen.exportLines);
  } catch (err) {
    checks.add(`${when}: export lines parse`, false, err instanceof Error ? err.message : String(err));
    return { checks: checks.list, ballotEntries: 0 };
  }
  const byHash = new Map(entries.map((e) => [e.hash, e]));

  const lastOf = new Map<string, RecordedEntry>();
  for (const e of entries) lastOf.set(e.stream, e);
  const headMismatch = seen.heads.filter((s) => lastOf.get(s.stream)?.seq !== s.size || lastOf.get(s.stream)?.hash !== s.head);
  checks.add(`${when}: stream heads match the export`, headMismatch.length === 0 && seen.heads.length === lastOf.size, `${seen.heads.length} heads, ${lastOf.size} streams exported; mismatched ${sample(headMismatch)}`);

  const acknowledged = casts.filter((c): c is Cast & { receipt: Receipt } => c.receipt !== undefined);
  const missing = acknowledged.filter((c) => {
    const e = byHash.get(c.receipt.hash);
    const payload = e?.payload as { approvals?: unknown; sealed?: unknown } | undefined;
    // a sealed ballot is compared with what its member reads back (their current ballot only)
    const approvals = payload?.sealed === undefined ? payload?.approvals : seen.ownBallots[c.receipt.hash];
    if (payload?.sealed !== undefined && approvals === undefined && isReplaced(c, casts)) return e === undefined || e.stream !== c.receipt.stream || e.seq !== c.receipt.seq || e.type !== 'ballot.cast';
    return e === undefined || e.stream !== c.receipt.stream || e.seq !== c.receipt.seq || e.type !== 'ballot.cast' || !Array.isArray(approvals) || !sameSet(approvals as string[], c.approvals);
  });
  checks.add(`${when}: every acknowledged ballot is in the export as sent`, missing.length === 0, `${acknowledged.length - missing.length}/${acknowledged.length} present; missing ${sample(missing.map((c) => c.receipt))}`);

  const badReceipts = acknowledged.filter((c) => {
    const found = seen.lookups[c.receipt.hash];
    return found?.status !== 200 || found.stream !== c.receipt.stream || found.seq !== c.receipt.seq || found.cycleId !== seen.cycleId;
  });
  checks.add(
    `${when}: every acknowledged receipt resolves (GET /v1/receipts/{hash})`,
    badReceipts.length === 0,
    `${acknowledged.length - badReceipts.length}/${acknowledged.length} resolve; failing ${sample(badReceipts.map((c) => ({ ...c.receipt, answer: seen.lookups[c.receipt.hash] ?? 'not asked' })))}`,
  );

  const ballotEntries = ballotEntriesOf(entries, seen.cycleId);
  const unprojected = ballotEntries.filter((e) => seen.lookups[e.hash]?.status !== 200);
  checks.add(
    `${when}: every ballot.cast entry has its projection (receipt lookup)`,
    unprojected.length === 0,
    `${ballotEntries.length - unprojected.length}/${ballotEntries.length} found; without projection ${sample(unprojected.map((e) => ({ seq: e.seq, answer: seen.lookups[e.hash] ?? 'not asked' })))}`,
  );
  checks.add(`${when}: ballot count equals ballot entries`, seen.ballotCount === ballotEntries.length, `count ${seen.ballotCount}, entries ${ballotEntries.length}`);

  const unanswered = casts.filter((c) => c.status === 0).length;
  const extra = ballotEntries.length - acknowledged.length;
  checks.add(`${when}: no phantom ballots (entries − acknowledged ≤ unanswered)`, extra >= 0 && extra <= unanswered, `${ballotEntries.length} entries, ${acknowledged.length} acknowledged, ${unanswered} unanswered`);
  return { checks: checks.list, ballotEntries: ballotEntries.length };
}
