// The API process: config, deps, createApp, listen, graceful shutdown. It never consumes queues.
import type { Server } from 'node:http';
import { createApp } from './app.ts';
import { createAppServer } from './http/expect-continue.ts';
import { sweepUploadTmp } from './http/upload.ts';
import { loadConfigOrExit } from './config.ts';
import { warmIntakePool } from './modules/documents/documents.intake-pool.ts';
import { warmOcrPool } from './modules/documents/documents.ocr-pool.ts';
import { createDocumentPools } from './modules/documents/documents.pools.ts';
import { buildRuntime, type Runtime } from './platform/bootstrap.ts';
import { seedAll } from './platform/seed.ts';

export async function startApi(runtime: Runtime, opts: { migrate?: boolean } = {}): Promise<Server> {
  const { deps } = runtime;
  if (opts.migrate) {
    await runtime.database.migrate(() => seedAll(deps.prisma, deps.config));
  }
  const swept = await sweepUploadTmp();
  if (swept > 0) deps.logger.warn({ swept }, 'removed upload folders left by an earlier crash');
  const app = createApp(deps);
  // the OCR models load while the server starts listening: the first upload finds a warm reader
  void warmOcrPool(deps);
  await warmIntakePool(deps);
  const server = createAppServer(app);
  server.listen(deps.config.PORT, deps.config.HOST);
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  server.maxHeadersCount = 100;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return server;
}

async function main() {
  const config = loadConfigOrExit();
  const runtime = await buildRuntime(config, { pools: createDocumentPools });
  const server = await startApi(runtime, { migrate: process.env.MIGRATE_ON_START === 'true' });
  runtime.deps.logger.info({ url: config.PUBLIC_BASE_URL }, 'API listening');
  const stop = async (signal: string) => {
    runtime.deps.logger.info({ signal }, 'API shutting down');
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 10_000).unref();
    // closes the OCR and intake pools first: reads still waiting settle as OCR unavailable while logs flow
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
