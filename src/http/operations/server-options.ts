import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import { ScimError } from '../../protocol/errors.js';
import type { OperationsSettings } from '../../operations/settings.js';
import { SCIM_CONTENT_TYPE } from '../scim-reply.js';

// The settings that must be given when the server is created, not in a plugin: request ids, Node's HTTP
// timeouts and header limit, TLS, and what happens to requests that fail before fastify routes them.

/** An incoming X-Request-Id is kept when it is short and plain; anything else gets a fresh UUID. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}$/;

export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function operationsServerOptions(settings: OperationsSettings): FastifyServerOptions {
  const { requestTimeoutMs, handlerTimeoutMs } = settings;
  const options: Record<string, unknown> = {
    genReqId: requestIdFor,
    requestIdHeader: false,
    // Receiving the request (headers and body) must end within requestTimeoutMs; the headers alone sooner.
    requestTimeout: requestTimeoutMs,
    // A socket silent for longer than any request may take is dead.
    connectionTimeout: requestTimeoutMs + handlerTimeoutMs,
    http: {
      maxHeaderSize: settings.maxHeaderBytes,
      headersTimeout: Math.min(requestTimeoutMs, 20_000),
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(requestTimeoutMs / 4))),
    },
    // While draining on SIGTERM, requests already on open connections are served (with Connection: close).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
  };
  if (settings.tls) {
    // https.createServer takes the same limits as http.createServer, next to the certificate.
    options.https = { ...(options.http as object), cert: readFileSync(settings.tls.cert), key: readFileSync(settings.tls.key) };
    delete options.http;
  }
  // `https` changes fastify's server type parameter; the rest of Roster only needs the common request API.
  return options as FastifyServerOptions;
}

/** Malformed requests, oversized headers and timeouts, answered with a SCIM Error body like everything else. */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request headers are larger than this server accepts']
        : [400, 'The request is not valid HTTP'];
  const body = JSON.stringify(new ScimError(status, undefined, detail).toBody());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${SCIM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
