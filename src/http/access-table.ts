/** The authorization matrix as a Markdown table, for the README (a test keeps the two in step). */
import { ACCESS, type Grant } from './access.js';

const COLUMNS: [Grant, string][] = [
  ['public', 'public'],
  ['session', 'session'],
  ['admin', 'admin'],
  ['funder', 'funder'],
  ['network-auditor', 'network auditor'],
  ['steward', 'steward*'],
  ['auditor', 'community auditor*'],
  ['member', 'member*'],
];

export function accessTableMarkdown(): string {
  const header = `| route | what | ${COLUMNS.map(([, label]) => label).join(' | ')} |`;
  const rule = `| --- | --- | ${COLUMNS.map(() => ':-:').join(' | ')} |`;
  const rows = Object.entries(ACCESS).map(([route, access]) => {
    const cells = COLUMNS.map(([grant]) => (access.allow.includes('public') || access.allow.includes(grant) ? '✓' : ''));
    return `| \`${route}\` | ${access.summary} | ${cells.join(' | ')} |`;
  });
  return [header, rule, ...rows].join('\n');
}
