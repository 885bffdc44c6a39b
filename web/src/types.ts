/** Shapes the pages pass around, taken from the generated API types (changes show up as type errors). */
import type { components } from './api/schema.js';

export type Cycle = components['schemas']['Cycle'];
export type Proposal = components['schemas']['Proposal'];
export type Community = components['schemas']['Community'];
export type Outcome = components['schemas']['Outcome'];
export type EquityReport = components['schemas']['EquityReport'];
