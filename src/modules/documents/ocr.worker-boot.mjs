// Entry of an OCR worker thread: registers the TypeScript loader the main process runs under (tsx), then
// loads the worker proper. Plain JavaScript because a worker thread does not inherit the loader.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
