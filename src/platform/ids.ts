// The one id parser: every id the API takes (appeals, cases, documents, refunds...) is a UUID as Postgres
// writes it; anything else is "not found" without a query (and never reaches a uuid column as a cast error).
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID.test(s);
}
