// Two kinds of Redis connection, as BullMQ recommends: producers fail fast (an API request must not hang
// on a dead Redis), workers wait forever (maxRetriesPerRequest: null) and resume when Redis returns.
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export function producerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    lazyConnect: false,
    ...extra,
  });
}

export function workerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...extra });
}

/** Resolves once the connection is ready (or rejects after `ms`). */
export async function waitReady(r: Redis, ms = 5_000): Promise<void> {
  if (r.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`Redis not ready after ${ms} ms`)), ms);
    r.once('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
