// Buyer-facing texts in the buyer's language, applied at the edge: every JSON body this app sends passes
// through res.json, so an error's message (by its code) and each check verdict (by its rule, from the
// structured {rule, passed, measured, threshold}) are rewritten from the catalogue in
// src/platform/messages.ts. Modules keep writing English and never learn about languages.
//
// The language (pickLang): the page's switch (X-Appeal-Language header or ?lang=), then the appeal's
// locale (the order's buyer locale, looked up only when something is to be translated), then
// Accept-Language, then English. Staff requests use only the header and Accept-Language.
import type { Request, RequestHandler } from 'express';
import type { Deps } from '../platform/deps.ts';
import { checkMessage, errorMessage, type Lang, pickLang } from '../platform/messages.ts';

export async function requestLang(deps: Pick<Deps, 'prisma'>, req: Request): Promise<Lang> {
  const explicit =
    req.get('x-appeal-language') ?? (typeof req.query?.lang === 'string' ? req.query.lang : null);
  let appealLocale: string | null = null;
  if (!explicit && req.principal?.kind === 'buyer') {
    const a = await deps.prisma.appeal
      .findUnique({
        where: { id: req.principal.appealId },
        select: { order: { select: { buyerLocale: true } } },
      })
      .catch(() => null);
    appealLocale = a?.order.buyerLocale ?? null;
  }
  return pickLang({ explicit, appealLocale, acceptLanguage: req.get('accept-language') });
}

function isCheck(v: Record<string, unknown>): boolean {
  return typeof v.rule === 'string' && typeof v.passed === 'boolean' && typeof v.message === 'string';
}

/** Rewrites check verdicts anywhere in a body (a document, details.checks, an appeal view). */
function localiseChecks(node: unknown, lang: Lang, depth = 0): void {
  if (!node || typeof node !== 'object' || depth > 8) return;
  if (Array.isArray(node)) {
    for (const x of node) localiseChecks(x, lang, depth + 1);
    return;
  }
  const o = node as Record<string, unknown>;
  if (isCheck(o)) o.message = checkMessage(lang, o as never);
  for (const v of Object.values(o)) if (v && typeof v === 'object') localiseChecks(v, lang, depth + 1);
}

/** Mounted before the limits and authenticate: it reads the principal only when the body is sent. */
export function localiseResponses(deps: Pick<Deps, 'prisma'>): RequestHandler {
  return (req, res, next) => {
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      const b = body as { error?: { code?: string; message?: string; details?: unknown } } | null;
      const hasError = Boolean(b?.error?.code);
      const buyerFacing =
        !req.principal || req.principal.kind === 'buyer' || req.principal.kind === 'anonymous';
      const hasChecks = !hasError && buyerFacing && /"rule":/.test(JSON.stringify(body) ?? '');
      if (!hasError && !hasChecks) return json(body);
      requestLang(deps, req)
        .then((lang) => {
          if (hasError && b?.error) {
            b.error.message = errorMessage(lang, b.error.code!, b.error.details, b.error.message ?? '');
            if (lang !== 'en' && buyerFacing) localiseChecks(b.error.details, lang);
          } else if (lang !== 'en') localiseChecks(body, lang);
          if (lang !== 'en') res.set('Content-Language', lang === 'zh' ? 'zh-CN' : lang);
          json(body);
        })
        .catch(() => json(body));
      return res;
    }) as typeof res.json;
    next();
  };
}
