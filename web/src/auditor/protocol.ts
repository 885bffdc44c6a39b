/** Messages between the auditor page and its verification worker. */
export interface CheckpointInput {
  number: number;
  root: string;
  note: string;
  streams: { stream: string; size: number; root: string }[];
}

export type VerifyRequest = {
  /** the export: a file the auditor chose, or the service's export URL (fetched with the session) */
  source: { file: File } | { url: string; headers: Record<string, string> };
  checkpoint?: CheckpointInput;
  verifierKey?: string;
  /** recount this closed cycle and report its outcome */
  cycleId?: string;
};

export interface RecountResult {
  cycleId: string;
  equal: boolean;
  selected: string[];
  ballotsCounted: number;
  spent: string;
}

export type VerifyMessage =
  | { kind: 'progress'; bytes: number; total: number | null; lines: number }
  | {
      kind: 'done';
      ok: boolean;
      entries: number;
      streams: number;
      passed: string[];
      problem?: { stream: string; seq: number | null; line: number | null; reason: string; detail: string };
      recount?: RecountResult | { cycleId: string; missing: true };
    }
  | { kind: 'failed'; message: string };
