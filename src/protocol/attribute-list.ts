/**
 * Splits an `attributes` / `excludedAttributes` value (`"userName, name.givenName,,emails"`) into names:
 * trimmed, empties dropped. Resolving the names is projection's job; this is only the list syntax.
 */
export function parseAttributeList(text: string | undefined): string[] {
  if (typeof text !== 'string') return [];
  return text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}
