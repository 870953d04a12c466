// Request parsing at the edge: zod throws, the error handler answers 400 with the issues.
import type { Request } from 'express';
import type { z } from 'zod';
import type { RouteDoc } from './openapi.ts';

export function parseBody<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  return schema.parse(req.body ?? {});
}

export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  return schema.parse(req.query);
}

export function parseParams<T extends z.ZodType>(schema: T, req: Request): z.infer<T> {
  return schema.parse(req.params);
}

/** Validates what a RouteDoc declares (params, query, body) in one call. */
export function parseRequest<D extends RouteDoc>(
  doc: D,
  req: Request,
): {
  params: D['params'] extends z.ZodType ? z.infer<D['params']> : Record<string, never>;
  query: D['query'] extends z.ZodType ? z.infer<D['query']> : Record<string, never>;
  body: D['body'] extends z.ZodType ? z.infer<D['body']> : undefined;
} {
  return {
    params: doc.params ? doc.params.parse(req.params) : {},
    query: doc.query ? doc.query.parse(req.query) : {},
    body: doc.body ? doc.body.parse(req.body ?? {}) : undefined,
  } as never;
}
