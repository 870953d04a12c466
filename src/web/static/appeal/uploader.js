// Resilient uploads (issue 20 point 5). One photo at a time through a queue (on a slow connection parallel
// uploads only share the same thin pipe and all finish late), each upload retried:
// - a network error (dropped connection, aborted request) waits 1 s, 2 s, 4 s, 8 s and tries again, up to
//   MAX_TRIES in all; the 'online' event cuts a wait short;
// - a 503 with Retry-After (SERVICE.BUSY: the intake queue is full, documents.intake-pool.ts, or the OCR
//   pool is, documents.guard.ts) waits that long (capped at MAX_RETRY_AFTER s) and tries again, also up
//   to MAX_TRIES; onWait gets the refusal's details.reason ('intake-queue-full') as its fourth argument;
// - every other answer is the server's and goes back to the caller.
// The caller keeps its File until the server answered (nothing chosen is lost); the form is rebuilt for
// every attempt. onWait(kind, seconds, attempt) is called every second of a wait so the page can say so.

export const MAX_TRIES = 5;
export const BACKOFF_MS = [1000, 2000, 4000, 8000];
export const MAX_RETRY_AFTER = 60;

export class NetworkError extends Error {
  constructor() {
    super('network');
  }
}

/** One XHR POST (XHR for its upload progress events). Resolves with {status, body, retryAfter}. */
export function xhrPost(url, headers, form, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    for (const [k, v] of Object.entries(headers)) x.setRequestHeader(k, v);
    x.upload.addEventListener(
      'progress',
      (e) => e.lengthComputable && onProgress?.((100 * e.loaded) / e.total),
    );
    x.addEventListener('load', () => {
      let body = null;
      try {
        body = JSON.parse(x.responseText);
      } catch {
        body = null;
      }
      const ra = Number.parseInt(x.getResponseHeader('retry-after') ?? '', 10);
      resolve({ status: x.status, body, retryAfter: Number.isFinite(ra) ? ra : null });
    });
    x.addEventListener('error', () => reject(new NetworkError()));
    x.addEventListener('abort', () => reject(new NetworkError()));
    x.addEventListener('timeout', () => reject(new NetworkError()));
    x.send(form);
  });
}

/** Waits `seconds`, calling tick(left) each second; the 'online' event ends a network wait early. */
function wait(seconds, tick, wakeOnOnline) {
  return new Promise((resolve) => {
    let left = seconds;
    tick(left);
    const done = () => {
      clearInterval(timer);
      window.removeEventListener('online', done);
      resolve();
    };
    const timer = setInterval(() => {
      left -= 1;
      if (left <= 0) done();
      else tick(left);
    }, 1000);
    if (wakeOnOnline) window.addEventListener('online', done);
  });
}

/**
 * @param {{url: string, headers: () => Record<string,string>, form: () => FormData,
 *   onProgress?: (pct: number) => void, onWait?: (kind: 'busy'|'network', seconds: number, attempt: number, reason?: string|null) => void,
 *   onTry?: (attempt: number) => void}} o
 * @returns {Promise<{status: number, body: any}>} the server's answer; rejects with NetworkError after MAX_TRIES
 */
export async function uploadWithRetry(o) {
  for (let attempt = 1; ; attempt++) {
    o.onTry?.(attempt);
    let res;
    try {
      res = await xhrPost(o.url, o.headers(), o.form(), o.onProgress);
    } catch (e) {
      if (!(e instanceof NetworkError) || attempt >= MAX_TRIES) throw e;
      const s = BACKOFF_MS[Math.min(attempt - 1, BACKOFF_MS.length - 1)] / 1000;
      await wait(s, (left) => o.onWait?.('network', left, attempt + 1), true);
      continue;
    }
    if (res.status === 503 && res.retryAfter !== null && attempt < MAX_TRIES) {
      const s = Math.min(MAX_RETRY_AFTER, Math.max(1, res.retryAfter));
      const reason = res.body?.error?.details?.reason ?? null;
      await wait(s, (left) => o.onWait?.('busy', left, attempt + 1, reason), false);
      continue;
    }
    return res;
  }
}

/** A queue that runs one job at a time, in the order they were added. */
export function serialQueue() {
  let tail = Promise.resolve();
  return (job) => {
    const run = tail.then(job, job);
    tail = run.catch(() => {});
    return run;
  };
}
