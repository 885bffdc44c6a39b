/** Tests find the project root and the shared data set through the scripts' own helper (one place). */
export { PROJECT_ROOT, sharedData } from '../../scripts/lib/paths.js';
