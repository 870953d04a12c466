// The thread pools of a process (platform/pools.ts), handed to buildRuntime by the composition roots
// (src/server.ts, src/start.ts, workers/main.ts, the tests): the intake pool and the two OCR readers,
// each created at its first use and kept in the runtime; close() ends those created.
import type { Config } from '../../config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ProcessPools } from '../../platform/pools.ts';
import { createIntakePool, type IntakePool } from './documents.intake-pool.ts';
import { createLineReaderPool, createSecondReaderPool } from './documents.ocr-pool.ts';
import type { OcrPool } from './ocr.ts';

export function createDocumentPools(ctx: { config: Config; logger: Logger }): ProcessPools {
  let intake: IntakePool | undefined;
  // undefined = not made yet; null = OCR off
  let ocr: OcrPool | null | undefined;
  let secondOcr: OcrPool | null | undefined;
  return {
    intake: () => {
      intake ??= createIntakePool(ctx.config);
      return intake;
    },
    ocr: () => {
      if (ocr === undefined) ocr = createLineReaderPool(ctx.config, ctx.logger);
      return ocr;
    },
    secondOcr: () => {
      if (secondOcr === undefined) secondOcr = createSecondReaderPool(ctx.config, ctx.logger);
      return secondOcr;
    },
    close: async () => {
      const open = [ocr, secondOcr, intake];
      ocr = undefined;
      secondOcr = undefined;
      intake = undefined;
      await Promise.all(open.map((p) => p?.close()));
    },
  };
}
