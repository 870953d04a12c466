// The one polling helper of the test suite: calls `fn` until it returns something truthy (that value is
// returned) or `ms` passes (then it throws, naming what it waited for). Tests wait on real components
// (relay, workers, SMTP, browser), never on sleeps of a guessed length.
export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  ms = 30_000,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
