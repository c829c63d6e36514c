import { Readable } from 'node:stream';
import type { GroupStream } from '../directory/groups.js';
import { project, type Projection } from '../protocol/projection.js';
import type { MemberOut } from '../storage/present.js';

/**
 * Writes a large group as a stream of JSON text: the group's attributes, then its members a page at a time,
 * then `meta`. Memory stays at one page whatever the group's size.
 */
export function groupAsStream(projection: Projection, opened: GroupStream, base: string): Readable {
  return Readable.from(groupText(projection, opened, base), { objectMode: false });
}

/**
 * A page of groups as a ListResponse written as a stream: the paging numbers, then each group, those with more
 * members than one page written as `groupAsStream` writes them. `envelope` is the ListResponse without Resources.
 */
export function groupListAsStream(projection: Projection, groups: GroupStream[], envelope: Record<string, unknown>, base: string): Readable {
  async function* text(): AsyncGenerator<string> {
    const head = JSON.stringify(envelope);
    yield `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"Resources":[`;
    for (const [i, group] of groups.entries()) {
      if (i > 0) yield ',';
      if (group.rest) yield* groupText(projection, group, base);
      else yield JSON.stringify(project(projection, group.resource));
    }
    yield ']}';
  }
  return Readable.from(text(), { objectMode: false });
}

/**
 * One group's JSON text, piece by piece. The projection decides which member sub-attributes appear, worked out
 * once on a sample member rather than on each of 100,000.
 */
async function* groupText(projection: Projection, opened: GroupStream, base: string): AsyncGenerator<string> {
  const sample = project(projection, { ...opened.resource, members: [{ value: 'v', $ref: 'r', type: 'User', display: 'd' }] }).members as
    | Record<string, unknown>[]
    | undefined;
  const keys = new Set(Object.keys(sample?.[0] ?? {}));
  const { meta, ...head } = project(projection, opened.resource);
  const headText = JSON.stringify(head);
  let written = 0;
  const member = (m: MemberOut) => {
    const out: Record<string, unknown> = {};
    if (keys.has('value')) out.value = m.value;
    if (keys.has('$ref')) out.$ref = `${base}/${m.type === 'User' ? 'Users' : 'Groups'}/${m.value}`;
    if (keys.has('type')) out.type = m.type;
    if (keys.has('display') && m.display !== undefined) out.display = m.display;
    return `${written++ === 0 ? '' : ','}${JSON.stringify(out)}`;
  };
  yield `${headText.slice(0, -1)}${headText.length > 2 ? ',' : ''}"members":[`;
  yield opened.first.map(member).join('');
  if (opened.rest) for await (const page of opened.rest()) yield page.map(member).join('');
  yield `]${meta !== undefined ? `,"meta":${JSON.stringify(meta)}` : ''}}`;
}
