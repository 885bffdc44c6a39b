/** Where tests find the project root and the shared data set (`../shared` beside the checkout). */
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DATA = process.env.AGORA_SHARED_DATA ?? join(PROJECT_ROOT, '..', 'shared', 'data');
