/** The service's verification code uses Node's Buffer; in the browser it is the `buffer` package. */
import { Buffer } from 'buffer';

const scope = globalThis as { Buffer?: unknown };
if (scope.Buffer === undefined) scope.Buffer = Buffer;
