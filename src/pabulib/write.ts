/**
 * `.pb` writer: the inverse of the parser, readable by pabutools. META rows keep their order and
 * text; `budget`, `vote_type`, `num_projects` and `num_votes` are added when missing, and `budget`
 * / `vote_type` are rewritten only when their text disagrees with the typed fields. Columns keep
 * the parsed header order. Fields that contain `;`, `"` or a line break are quoted.
 * Invariant (tested on real files): parse(write(e)) deep-equals e for any parsed election e.
 */
import { quoteField } from './csv-record.js';
import type { PbElection } from './types.js';
import { parseAmount } from './whole-number.js';

export function writePabulib(election: PbElection): string {
  let out = '';
  for (const chunk of writePabulibChunks(election)) out += chunk;
  return out;
}

/** The same text in pieces (one per section header and per 1,000 rows), for streaming responses. */
export function* writePabulibChunks(election: PbElection): Generator<string> {
  const meta = new Map(election.meta);
  const budgetText = meta.get('budget');
  const parsed = budgetText === undefined ? undefined : parseAmount(budgetText);
  if (parsed?.whole !== election.budget) meta.set('budget', election.budget.toString());
  if (meta.get('vote_type') !== election.voteType) meta.set('vote_type', election.voteType);
  if (!meta.has('num_projects')) meta.set('num_projects', String(election.projects.length));
  if (!meta.has('num_votes')) meta.set('num_votes', String(election.votes.length));

  let chunk = 'META\nkey;value\n';
  for (const [key, value] of meta) chunk += row([key, value]);
  yield chunk;

  const projectColumns = columns(election.projectColumns, ['project_id', 'cost'], election.projects.map((p) => p.fields));
  chunk = `PROJECTS\n${row(projectColumns)}`;
  for (const [i, p] of election.projects.entries()) {
    chunk += row(
      projectColumns.map((c) => {
        if (c === 'project_id') return p.id;
        if (c === 'cost') return p.cost.toString();
        if (c === 'name') return p.fields.name ?? p.name ?? '';
        if (c === 'category') return p.fields.category ?? p.category ?? '';
        return p.fields[c] ?? '';
      }),
    );
    if (i % 1000 === 999) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;

  const cumulative = election.voteType === 'cumulative';
  const voteColumns = columns(
    election.voteColumns,
    cumulative ? ['voter_id', 'vote', 'points'] : ['voter_id', 'vote'],
    election.votes.map((v) => v.fields),
  );
  chunk = `VOTES\n${row(voteColumns)}`;
  for (const [i, v] of election.votes.entries()) {
    chunk += row(
      voteColumns.map((c) => {
        if (c === 'voter_id') return v.voterId;
        if (c === 'vote') return v.projects.join(',');
        if (c === 'points' && cumulative) return (v.points ?? []).join(',');
        return v.fields[c] ?? '';
      }),
    );
    if (i % 1000 === 999) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

/** The parsed header if there is one, else the required columns followed by every field name in first-seen order. */
function columns(parsed: string[], required: string[], fields: Record<string, string>[]): string[] {
  const out = parsed.length > 0 ? [...parsed] : [...required];
  for (const c of required) if (!out.includes(c)) out.push(c);
  const seen = new Set(out);
  for (const f of fields) {
    for (const key of Object.keys(f)) {
      if (!seen.has(key)) {
        seen.add(key);
        out.push(key);
      }
    }
  }
  return out;
}

function row(values: string[]): string {
  return `${values.map(quoteField).join(';')}\n`;
}
