// A test intake worker: holds its thread's CPU for SLOW_MS (a synchronous loop, as a heavy decode
// would), then runs the real task. If this ran on the API's event loop, nothing else could answer.
import { register } from 'tsx/esm/api';

register();
const { checkUpload } = await import('../../src/modules/documents/documents.intake-task.ts');
const SLOW_MS = 400;

export default async function slowCheck(task) {
  const end = Date.now() + SLOW_MS;
  while (Date.now() < end) {
    // busy
  }
  return checkUpload(task);
}
