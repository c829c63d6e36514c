/**
 * The ceiling: a bare node:http server answering every request with the same 1 KB JSON. Whatever Roster does on
 * this machine, it cannot beat this; the benchmark reports each figure as a ratio to it, measured in the same run
 * the same way (same core, same load generator), so the ratios hold across machines and noisy neighbours.
 */
import { createServer } from 'node:http';

const item = (i: number) => ({ id: `2819c223-7f76-453a-919d-4136${String(i).padStart(8, '0')}`, userName: `user${i}@bench.example`, active: true });
const payload = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, items: [] as unknown[], pad: '' };
for (let i = 0; JSON.stringify(payload).length < 1000; i++) payload.items.push(item(i));
payload.pad = 'x'.repeat(Math.max(0, 1024 - JSON.stringify(payload).length));
export const CEILING_BODY = JSON.stringify(payload);

const port = Number(process.argv[2] ?? 0);
const server = createServer((request, response) => {
  // Drain any body (POST scenarios are not sent here, but keep the connection healthy if they were).
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/scim+json', 'content-length': Buffer.byteLength(CEILING_BODY) });
    response.end(CEILING_BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
