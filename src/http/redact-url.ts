// A URL as logged (fastify's request log) and as recorded (the provisioning log). A client that puts a
// credential in the query string (`?access_token=...`, which Roster never accepts) must not have it written
// down: parameters whose names suggest a secret keep their name and lose their value, and so does a filter that
// names a password.

const SECRET_PARAMETER = /token|secret|passw|pwd|key|auth|sig|session|code|cred/i;

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      const name = safeDecode(rawName.replace(/\+/g, ' '));
      const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1).replace(/\+/g, ' '));
      if (eq >= 0 && (SECRET_PARAMETER.test(name) || (/^filter$/i.test(name) && /passw/i.test(value)))) return `${rawName}=[redacted]`;
      return pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

/** A malformed escape is judged as sent. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
