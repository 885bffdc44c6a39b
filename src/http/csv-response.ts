/**
 * CSV answers beside JSON: a route answers `text/csv` when asked with `?format=csv` or, without a
 * `format`, with `Accept: text/csv`. The CSV itself is built by the pure report modules (src/csv.ts
 * escapes and neutralizes formulas); this module only negotiates and sends.
 */
import type { FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { z } from 'zod';

export const CsvFormatQuery = z.object({ format: z.enum(['json', 'csv']).optional().describe('`csv` for a spreadsheet (same as `Accept: text/csv`)') });

export function wantsCsv(format: 'json' | 'csv' | undefined, accept: string | undefined): boolean {
  return format === 'csv' || (format === undefined && /\btext\/csv\b/.test(accept ?? ''));
}

/** Sends CSV text (or a stream of it) as a download named `fileName`. */
export function sendCsv(reply: FastifyReply, fileName: string, body: string | Readable): FastifyReply {
  // a string or stream under text/csv is sent as is, not through the route's JSON schema
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}"`).send(body);
}
