// Builds the Deps of a process from the Config: the one PrismaClient, the Redis connections, the
// producer queues, the logger, the document store, the calendar, the thread pools (deps.pools, from the
// factory the entry point hands in). Each entry point (API, workers, tests, the `npm start` supervisor)
// uses it.
import type { Config } from '../config.ts';
import { setAuditKey } from './audit-key.ts';
import { type Clock, systemClock } from './clock.ts';
import { type Database, openDatabase } from './db.ts';
import type { Deps } from './deps.ts';
import { createLogger, type Logger } from './logger.ts';
import { createQueues } from './queues.ts';
import { producerConnection } from './redis.ts';
import { documentStorage } from './document-storage.ts';
import { createCalendarStore } from './calendar.store.ts';
import type { ProcessPools } from './pools.ts';

export interface Runtime {
  deps: Deps;
  database: Database;
  close(): Promise<void>;
}

/** Makes the process's thread pools (lazily); the composition roots pass createDocumentPools. */
export type PoolsFactory = (ctx: { config: Config; logger: Logger }) => ProcessPools;

export async function buildRuntime(
  config: Config,
  opts: { pools: PoolsFactory; clock?: Clock; logger?: Logger; database?: Database; poolSize?: number },
): Promise<Runtime> {
  if (!config.REDIS_URL)
    throw new Error('REDIS_URL is not set (npm start sets it after launching redis-server)');
  setAuditKey(config.AUDIT_HMAC_KEY);
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const database =
    opts.database ??
    (await openDatabase({
      databaseUrl: config.DATABASE_URL,
      dataDir: config.DATA_DIR,
      poolSize: opts.poolSize,
    }));
  const redis = producerConnection(config.REDIS_URL);
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queueConn = producerConnection(config.REDIS_URL);
  queueConn.on('error', () => {});
  const queues = createQueues(queueConn, config.QUEUE_PREFIX);
  const pools = opts.pools({ config, logger });
  const deps: Deps = {
    config,
    prisma: database.prisma,
    clock: opts.clock ?? systemClock,
    logger,
    queues,
    redis,
    storage: documentStorage(config),
    calendar: createCalendarStore(config.BUSINESS_TIMEZONE),
    pools,
  };
  return {
    deps,
    database,
    close: async () => {
      // reads still waiting settle as OCR unavailable and the threads end while logs still flow
      await pools.close().catch((err: Error) => logger.warn({ err: err.message }, 'closing the pools'));
      await queues.close().catch(() => {});
      redis.disconnect();
      queueConn.disconnect();
      if (!opts.database) await database.close();
    },
  };
}
