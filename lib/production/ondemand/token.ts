/**
 * The optional shared secret of the pprof endpoint. Accepted as
 * `Authorization: Bearer <token>`, or as the password of Basic auth, which is
 * what `go tool pprof http://user:TOKEN@host:port/...` sends (Go's HTTP client
 * turns a URL's user info into Basic auth; pprof has no header option).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { IncomingMessage } from 'node:http';

export function checkToken(token: unknown): string | undefined {
  if (token === undefined) return undefined;
  if (typeof token !== 'string' || token.length < 8 || /[\s:]/.test(token)) {
    throw new RangeError('token must be a string of at least 8 characters with no whitespace or colon');
  }
  return token;
}

/** The credential the request carries, or undefined. */
function presentedToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header);
  if (!match) return undefined;
  if (match[1]!.toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Compares in constant time (digests of equal length), so timing tells nothing about the token. */
export function requestHasToken(request: IncomingMessage, token: string): boolean {
  const presented = presentedToken(request);
  if (presented === undefined) return false;
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
