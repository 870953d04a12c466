// A real HTTP server on loopback for each test file, and a small fetch wrapper.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createAppServer } from '../../src/http/expect-continue.ts';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The production server's handling of Expect: 100-continue (src/http/expect-continue.ts) for createApp's
 * app; `plain: true` for an app without it (Node then answers every expectation with 100 itself).
 */
export async function listen(app: Express, opts: { plain?: boolean } = {}): Promise<TestServer> {
  const server = (opts.plain ? createServer(app) : createAppServer(app)).listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string | Buffer | FormData;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export function client(base: string) {
  return async function call<T = any>(
    method: string,
    path: string,
    opts: CallOptions = {},
  ): Promise<CallResult<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: BodyInit | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.body);
    } else if (opts.rawBody !== undefined) {
      body = opts.rawBody as BodyInit;
    }
    const res = await fetch(base + path, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  };
}
