/**
 * `npm run bench:rules`: our outcome rules against pabutools 1.2.3's published times
 * (data/pabulib/expected.json, 2-core machine, parsing excluded). Every rule entry of expected.json
 * (the largest files and the slowest add1-until-exhaustive entries included) plus `add1` on the
 * three elections published with Equal Shares. Each entry: parse once (not timed), ~200 ms of
 * warm-up tallies, then the median wall time of several; the check column says whether the selection
 * matches. Target: ratio ≥ 100 on every entry. "cpu ms" is the mean CPU time of the same runs (it
 * also counts GC threads), a cross-check when other processes share the cores.
 * Options (env): BENCH_RUNS (default 7), BENCH_ONLY (substring of a file name),
 * AGORA_SHARED_DATA (default ../shared/data beside the checkout).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePabulibText, toTallyInput, type PbElection } from '../src/pabulib/index.js';
import { compareKeys, tally, type RuleSpec, type TallyInput } from '../src/rules/index.js';
import { sharedData } from './lib/paths.js';

const dataDir = sharedData('pabulib');
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 7));
const only = process.env.BENCH_ONLY;

interface Expected {
  file: string;
  results: Record<string, { selected: string[]; total_cost: number | string; seconds: number }>;
}

interface Row {
  file: string;
  key: string;
  ms: number;
  cpuMs: number;
  seconds?: number;
  ok: boolean;
}

function ruleFor(key: string): RuleSpec {
  if (key === 'greedy') return { rule: 'greedy' };
  if (key === 'equal-shares' || key === 'equal-shares/add1') return { rule: 'equal-shares', completion: 'add1' };
  if (key === 'equal-shares/none') return { rule: 'equal-shares', completion: 'none' };
  if (key === 'equal-shares/add1-until-exhaustive') return { rule: 'equal-shares', completion: 'add1-until-exhaustive' };
  throw new Error(`unknown rule key ${key}`);
}

function time(input: TallyInput, rule: RuleSpec): { ms: number; cpuMs: number; selected: string[]; spent: bigint } {
  // Warm up the JIT for ~200 ms (at least twice), so short entries are not timed cold.
  let outcome = tally(input, rule);
  const warmStart = performance.now();
  for (let i = 0; i < 2000 && (i < 2 || performance.now() - warmStart < 200); i++) tally(input, rule);
  const reps = performance.now() - warmStart > 1000 ? Math.min(runs, 3) : runs;
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    outcome = tally(input, rule);
    times.push(performance.now() - start);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  const cpuMs = (used.user + used.system) / 1000 / reps;
  return { ms: times[Math.floor(times.length / 2)]!, cpuMs, selected: outcome.selected, spent: outcome.spent };
}

const sameSet = (a: string[], b: string[]): boolean =>
  JSON.stringify([...a].sort(compareKeys)) === JSON.stringify([...b].sort(compareKeys));

const parsed = new Map<string, PbElection>();
function load(file: string): PbElection {
  let e = parsed.get(file);
  if (!e) {
    e = parsePabulibText(readFileSync(join(dataDir, file), 'utf8'));
    parsed.set(file, e);
  }
  return e;
}

const rows: Row[] = [];
const expected = JSON.parse(readFileSync(join(dataDir, 'expected.json'), 'utf8')) as Expected[];
for (const entry of expected) {
  if (only && !entry.file.includes(only)) continue;
  const input = toTallyInput(load(entry.file));
  for (const [key, want] of Object.entries(entry.results)) {
    const got = time(input, ruleFor(key));
    const ok = sameSet(got.selected, want.selected) && got.spent.toString() === String(want.total_cost);
    rows.push({ file: entry.file, key, ms: got.ms, cpuMs: got.cpuMs, seconds: want.seconds, ok });
  }
  parsed.delete(entry.file);
}
for (const file of ['Netherlands_Assen_2024.pb', 'Poland_Swiecie_2023.pb', 'Poland_Wieliczka_2023_Green_Budget.pb']) {
  if (only && !file.includes(only)) continue;
  const election = load(file);
  const published = election.projects.filter((p) => p.fields.selected === '1').map((p) => p.id);
  const got = time(toTallyInput(election), { rule: 'equal-shares', completion: 'add1' });
  rows.push({ file, key: 'equal-shares/add1 (published)', ms: got.ms, cpuMs: got.cpuMs, ok: sameSet(got.selected, published) });
}

const short = (file: string): string => file.replace(/\.pb$/, '').replace('US_Stanford_Dataset_', 'US_').replace('Your_Voice_Your_Choice_Parks_and_Streets-_', '');
const header = ['file', 'rule', 'our ms', 'cpu ms', 'pabutools s', 'ratio', 'check'];
const table = rows.map((r) => [
  short(r.file),
  r.key,
  r.ms.toFixed(r.ms < 10 ? 3 : 1),
  r.cpuMs.toFixed(r.cpuMs < 10 ? 3 : 1),
  r.seconds === undefined ? '-' : String(r.seconds),
  r.seconds === undefined ? '-' : `${Math.round((r.seconds * 1000) / r.ms)}x`,
  r.ok ? 'ok' : 'MISMATCH',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
console.log(`median of ${runs} runs (3 for entries over 1 s) after ~200 ms of warm-up, parse excluded; node ${process.version}`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of table) console.log(line(row));
const slow = rows.filter((r) => r.seconds !== undefined && (r.seconds * 1000) / r.ms < 100);
const wrong = rows.filter((r) => !r.ok);
console.log(`\n${rows.length} entries; ${slow.length} below 100x; ${wrong.length} mismatches.`);
if (wrong.length > 0) process.exitCode = 1;
