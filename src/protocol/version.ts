// RFC 7644 section 3.14: resource versions travel as weak entity tags (`W/"3"`), in `meta.version`, the ETag
// header and If-Match / If-None-Match. A version is a server-side notion of "this state", never a byte-exact copy,
// so every comparison here is the weak comparison of RFC 9110 section 8.8.3.2, If-Match included.

/** A parsed entity tag; `opaque` is the text between the quotes. */
interface EntityTag {
  weak: boolean;
  opaque: string;
}

// etagc = %x21 / %x23-7E / obs-text (RFC 9110 section 8.8.3). Anything else would make an invalid header
// (Node refuses control characters in headers), so it is dropped rather than allowed to crash a response.
const NOT_ETAG_CHAR = /[^\x21\x23-\x7e\x80-\xff]/g;

/**
 * The weak ETag for a resource version: `W/"<version>"`.
 * A value that already is an entity tag (`W/"3"` or `"3"`) is returned in its weak form, so callers may pass
 * either the raw version or `meta.version`.
 */
export function etagFor(version: string | number): string {
  const text = String(version);
  const tag = readEntityTag(text.trim());
  if (tag && tag.rest === '') return format({ weak: true, opaque: tag.tag.opaque });
  return format({ weak: true, opaque: text.replace(NOT_ETAG_CHAR, '') });
}

/**
 * The entity tags of an If-Match / If-None-Match header, each as `W/"x"`, `"x"` or `*`.
 * Lenient on purpose: a lower-case `w/` is read as weak, an unquoted token (`If-Match: 3`) as the tag `"3"`, and an
 * unterminated quote runs to the end of the header. Commas inside quotes belong to the tag.
 */
export function parseEtagList(header: string | undefined): string[] {
  if (typeof header !== 'string') return [];
  const tags: string[] = [];
  let rest = header;
  for (;;) {
    rest = rest.replace(/^[\s,]+/, '');
    if (rest === '') return tags;
    if (rest.startsWith('*')) {
      tags.push('*');
      rest = rest.slice(1);
      continue;
    }
    const quoted = readEntityTag(rest);
    if (quoted) {
      tags.push(format(quoted.tag));
      rest = quoted.rest;
      continue;
    }
    // An unquoted token: everything up to the next comma.
    const end = rest.indexOf(',');
    const token = (end === -1 ? rest : rest.slice(0, end)).trim().replace(NOT_ETAG_CHAR, '');
    if (token !== '') tags.push(format({ weak: false, opaque: token }));
    rest = end === -1 ? '' : rest.slice(end);
  }
}

/**
 * Whether a conditional header matches the current version, by weak comparison: `W/"3"` matches `"3"`,
 * and `*` matches any existing resource. A header with no entity tag in it matches nothing.
 * `current` may be the raw version or its ETag.
 */
export function etagMatches(header: string | undefined, current: string | number): boolean {
  const wanted = opaqueOf(etagFor(current));
  return parseEtagList(header).some((tag) => tag === '*' || opaqueOf(tag) === wanted);
}

function format(tag: EntityTag): string {
  return `${tag.weak ? 'W/' : ''}"${tag.opaque}"`;
}

function opaqueOf(formatted: string): string {
  return readEntityTag(formatted)?.tag.opaque ?? formatted;
}

/** Reads `W/"..."` or `"..."` at the start of `text`; undefined when it does not start with one. */
function readEntityTag(text: string): { tag: EntityTag; rest: string } | undefined {
  const weak = /^w\//i.test(text);
  const body = weak ? text.slice(2) : text;
  if (!body.startsWith('"')) return undefined;
  const close = body.indexOf('"', 1);
  const opaque = close === -1 ? body.slice(1) : body.slice(1, close);
  const rest = close === -1 ? '' : body.slice(close + 1);
  return { tag: { weak, opaque: opaque.replace(NOT_ETAG_CHAR, '') }, rest };
}
