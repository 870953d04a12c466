// The recogniser helper thread (started by ocr.recogniser.ts's startRecHelper inside an OCR worker): one
// more PP-OCRv4 recogniser session. Prepared lines come in, their text goes back to the OCR worker that
// started it, never further.
import { parentPort, workerData } from 'node:worker_threads';
import { createRecogniser } from './ocr.recogniser.ts';

const port = parentPort!;
const rec = await createRecogniser((workerData as { modelDir: string }).modelDir, 1);
port.postMessage({ id: -1, ok: true });

port.on('message', async (m: { id: number; input: Float32Array; width: number }) => {
  try {
    const t = await rec.recognise({ input: m.input, width: m.width });
    port.postMessage({ id: m.id, ok: true, ...t });
  } catch {
    port.postMessage({ id: m.id, ok: false });
  }
});
