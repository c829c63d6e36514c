import { Readable } from 'node:stream';
import type { GroupStream } from '../directory/groups.js';
import { project, type Projection } from '../protocol/projection.js';
import type { MemberOut } from '../storage/present.js';

/**
 * Writes a large group as a stream of JSON text: the group's attributes, then its members a page at a time,
 * then `meta`. Memory stays at one page whatever the group's size. The projection decides which member
 * sub-attributes appear, worked out once on a sample member rather than on each of 100,000.
 */
export function groupAsStream(projection: Projection, opened: GroupStream, base: string): Readable {
  const sample = project(projection, { ...opened.resource, members: [{ value: 'v', $ref: 'r', type: 'User', display: 'd' }] }).members as
    | Record<string, unknown>[]
    | undefined;
  const keys = new Set(Object.keys(sample?.[0] ?? {}));
  const { meta, ...head } = project(projection, opened.resource);
  const headText = JSON.stringify(head);
  const rest = opened.rest;

  let written = 0;
  const member = (m: MemberOut) => {
    const out: Record<string, unknown> = {};
    if (keys.has('value')) out.value = m.value;
    if (keys.has('$ref')) out.$ref = `${base}/${m.type === 'User' ? 'Users' : 'Groups'}/${m.value}`;
    if (keys.has('type')) out.type = m.type;
    if (keys.has('display') && m.display !== undefined) out.display = m.display;
    return `${written++ === 0 ? '' : ','}${JSON.stringify(out)}`;
  };
  async function* text(): AsyncGenerator<string> {
    yield `${headText.slice(0, -1)}${headText.length > 2 ? ',' : ''}"members":[`;
    yield opened.first.map(member).join('');
    if (rest) for await (const page of rest()) yield page.map(member).join('');
    yield `]${meta !== undefined ? `,"meta":${JSON.stringify(meta)}` : ''}}`;
  }
  return Readable.from(text(), { objectMode: false });
}
