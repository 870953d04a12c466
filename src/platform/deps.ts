// What services receive. Built once per process (src/server.ts, workers/main.ts, tests) and passed in.
import type { Config } from '../config.ts';
import type { Clock } from './clock.ts';
import type { CalendarStore } from './calendar.store.ts';
import type { Db } from './db.ts';
import type { DocumentStorage } from './document-storage.ts';
import type { Logger } from './logger.ts';
import type { Queues } from './queues.ts';
import type { Redis } from './redis.ts';
import type { ProcessPools } from './pools.ts';

export interface Deps {
  config: Config;
  prisma: Db;
  clock: Clock;
  logger: Logger;
  /** producer-side queues (fail-fast connection) */
  queues: Queues;
  /** fail-fast connection for rate limits and readiness */
  redis: Redis;
  /** the document store of STORAGE_URL with the keyring of DOCUMENT_MASTER_KEY (built once per process) */
  storage: DocumentStorage;
  /** the business calendar (BUSINESS_TIMEZONE + holidays), cached per process */
  calendar: CalendarStore;
  /**
   * the intake and OCR thread pools of this process (platform/pools.ts), each created at first use and
   * closed by runtime.close(); a test wanting its own pool replaces one: `{ ...pools, intake: () => p }`
   */
  pools: ProcessPools;
}
