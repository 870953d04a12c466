// `Expect: 100-continue` (RFC 9110 section 10.1.1): a client that asks before sending a large body gets
// "100 Continue" only when a route is about to read that body. An upload refused before its body is read
// (the intake queue full, a wrong or missing token, the upload allowance spent) is answered at once and
// the client never sends its bytes: curl asks this way for every body over 1 MB, and so can any API client.
// Without the expectation (browsers never send it) nothing changes: the refusal is still the first thing
// the server writes, but the client hears it only after it has sent its body.
//
// How: the HTTP server hands an expecting request to the app through 'checkContinue' (Node then sends no
// automatic 100) and marks it. continueUnlessMultipart(), early in the app, sends the 100 for every body
// but a multipart one: JSON and form bodies are small and read by the global parsers. A multipart body is
// read by singleFileUpload() only, after the route's admission steps, which calls sendContinue() first. A
// request answered while the 100 is still owed carries `Connection: close`: its body never comes, so the
// connection cannot be read past it.
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { RequestHandler } from 'express';

const owed = new WeakSet<IncomingMessage>();

/** An HTTP server for the app that answers `Expect: 100-continue` as described above. */
export function createAppServer(app: RequestListener): Server {
  const server = createServer(app);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    owed.add(req);
    // until the 100 is sent, an answer ends the connection (removed again by sendContinue)
    res.setHeader('Connection', 'close');
    app(req, res);
  });
  return server;
}

/** Sends the owed "100 Continue" (once) just before the request's body is read. */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (!owed.delete(req)) return;
  if (res.headersSent || res.writableEnded) return;
  res.removeHeader('Connection');
  res.writeContinue();
}

/** App middleware: the 100 for every body except a multipart one (see the file's comment). */
export const continueUnlessMultipart: RequestHandler = (req, res, next) => {
  if (owed.has(req) && !req.is('multipart/form-data')) sendContinue(req, res);
  next();
};
