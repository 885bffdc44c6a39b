/**
 * How a recorded outcome's explanations write money and name proposals, by format version. The
 * version is recorded with the outcome (`explanationFormat`), so a recount — the service's or the
 * offline verifier's — writes each outcome's sentences in the form they were recorded in:
 *
 * - 1 (no `explanationFormat` in the ledger): outcomes recorded before amounts carried a currency —
 *   bare numbers of minor units (`4,000`, shares with two decimals of a minor unit) and proposals by key.
 * - 2: amounts in major units with the currency and its ISO 4217 digits (`EUR 1,500.00`, `JPY 1,500`,
 *   `KWD 1.500`; shares rounded to a whole minor unit in the direction that keeps the sentence
 *   true), proposals by key and title (`0001 "Books"`). One fixed, locale-free form (formatMoney).
 */
import { PLAIN, type Presentation } from '../rules/index.js';
import { ceil, floor } from '../rational.js';
import { formatMoney } from './currency.js';

export type ExplanationFormat = 1 | 2;

/** The format new outcomes are recorded in. */
export const CURRENT_EXPLANATION_FORMAT = 2 satisfies ExplanationFormat;

/** A proposal as version 2 names it: its key, and its title when the frozen ballot has one. */
export function proposalName(key: string, title: string | undefined): string {
  return title === undefined ? key : `${key} "${title}"`;
}

export function explanationPresentation(format: ExplanationFormat, currency: string, titles: ReadonlyMap<string, string>): Presentation {
  if (format === 1) return PLAIN;
  return {
    money: (minor) => formatMoney(minor, currency),
    share: (value, round) => formatMoney(round === 'up' ? ceil(value) : floor(value), currency),
    name: (key) => proposalName(key, titles.get(key)),
  };
}
