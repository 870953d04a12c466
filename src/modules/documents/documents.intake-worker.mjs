// Entry of an intake worker thread (piscina): registers the TypeScript loader the main process runs
// under (tsx), then exports the task. Plain JavaScript because a worker thread does not inherit the loader.
import { register } from 'tsx/esm/api';

register();
const { checkUpload } = await import('./documents.intake-task.ts');
export default checkUpload;
