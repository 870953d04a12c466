// Entry of an intake worker thread (piscina): registers the TypeScript loader the main process runs
// under (tsx), then exports the task. Plain JavaScript because a worker thread does not inherit the loader.
import { register } from 'tsx/esm/api';

// Parallelism comes from the threads (one per core): libvips' own threads per operation would only
// compete with the other intake threads for the same cores and hold more buffers. (libvips is one per
// process: this sets it for the whole API process, whose own sharp work is small - views, warm-up.)
// The operation cache is off too: every upload is a different file, so the cache (50 MB by default)
// only keeps the last uploads' decoded pixels alive.
const { default: sharp } = await import('sharp');
sharp.concurrency(1);
sharp.cache(false);

register();
const { checkUpload } = await import('./documents.intake-task.ts');
export default checkUpload;
