// How the console reads and writes people through SCIM shapes: display names, the primary email, the filter of
// the People search, and the PATCH operations of the edit form. Pure functions over SCIM resources.

export type ScimResource = Record<string, unknown>;

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ROLES_EXTENSION = 'urn:roster:params:scim:schemas:extension:roles:2.0:User';

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
const object = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);

export function userNameOf(user: ScimResource): string {
  return text(user.userName) ?? '';
}

/** The name a person is shown with: displayName, the formatted or composed name, else the userName. */
export function personName(user: ScimResource): string {
  const name = object(user.name);
  const composed = [text(name?.givenName), text(name?.familyName)].filter(Boolean).join(' ');
  return text(user.displayName) ?? text(name?.formatted) ?? (composed || userNameOf(user));
}

export function primaryEmail(user: ScimResource): string | undefined {
  const emails = Array.isArray(user.emails) ? user.emails.map(object).filter((e) => e !== undefined) : [];
  const primary = emails.find((e) => e.primary === true) ?? emails[0];
  return text(primary?.value);
}

export function isActive(user: ScimResource): boolean {
  return user.active !== false;
}

export interface GroupRef {
  value: string;
  display: string;
  type?: string;
}

export function groupsOf(user: ScimResource): GroupRef[] {
  if (!Array.isArray(user.groups)) return [];
  return user.groups
    .map(object)
    .filter((g) => g !== undefined && typeof g.value === 'string')
    .map((g) => ({ value: g!.value as string, display: text(g!.display) ?? (g!.value as string), type: text(g!.type) }));
}

/** Effective roles from the roles extension (issue 3), when the server exposes them. */
export function effectiveRolesOf(user: ScimResource): string[] | undefined {
  const extension = object(user[ROLES_EXTENSION]);
  const roles = extension?.effectiveRoles;
  if (!Array.isArray(roles)) return undefined;
  return roles
    .map((r) => (typeof r === 'string' ? r : text(object(r)?.value)))
    .filter((r): r is string => typeof r === 'string');
}

/** A SCIM filter string literal: JSON string rules. */
export function literal(value: string): string {
  return JSON.stringify(value);
}

/** The People search: name, userName, email or externalId containing the words typed. */
export function searchFilter(q: string): string {
  const value = literal(q.slice(0, 200));
  return [
    `userName co ${value}`,
    `displayName co ${value}`,
    `name.givenName co ${value}`,
    `name.familyName co ${value}`,
    `emails.value co ${value}`,
    `externalId eq ${value}`,
  ].join(' or ');
}

export function allOf(filters: (string | undefined)[]): string | undefined {
  const parts = filters.filter((f): f is string => !!f);
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return parts.map((p) => `(${p})`).join(' and ');
}

export interface PersonForm {
  userName: string;
  givenName: string;
  familyName: string;
  displayName: string;
  email: string;
  title: string;
}

export function formOf(user: ScimResource): PersonForm {
  const name = object(user.name);
  return {
    userName: userNameOf(user),
    givenName: text(name?.givenName) ?? '',
    familyName: text(name?.familyName) ?? '',
    displayName: text(user.displayName) ?? '',
    email: primaryEmail(user) ?? '',
    title: text(user.title) ?? '',
  };
}

/** A new user's SCIM body from the form. */
export function createBody(form: PersonForm, active: boolean): ScimResource {
  const body: ScimResource = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: form.userName, active };
  const name: Record<string, string> = {};
  if (form.givenName) name.givenName = form.givenName;
  if (form.familyName) name.familyName = form.familyName;
  if (Object.keys(name).length) body.name = name;
  if (form.displayName) body.displayName = form.displayName;
  if (form.title) body.title = form.title;
  if (form.email) body.emails = [{ value: form.email, type: 'work', primary: true }];
  return body;
}

type Operation = { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown };

/** PATCH operations that turn `current` into what the form says, touching only the fields that changed. */
export function editOperations(current: ScimResource, form: PersonForm): Operation[] {
  const before = formOf(current);
  const ops: Operation[] = [];
  const simple = (key: keyof PersonForm, path: string) => {
    if (form[key] === before[key]) return;
    ops.push(form[key] === '' ? { op: 'remove', path } : { op: 'replace', path, value: form[key] });
  };
  if (form.userName !== before.userName) ops.push({ op: 'replace', path: 'userName', value: form.userName });
  simple('givenName', 'name.givenName');
  simple('familyName', 'name.familyName');
  simple('displayName', 'displayName');
  simple('title', 'title');
  if (form.email !== before.email) {
    const emails = Array.isArray(current.emails) ? current.emails.map((e) => ({ ...(object(e) ?? {}) })) : [];
    const index = Math.max(0, emails.findIndex((e) => e.primary === true));
    if (form.email === '') {
      emails.splice(index, 1);
    } else if (emails.length === 0) {
      emails.push({ value: form.email, type: 'work', primary: true });
    } else {
      emails[index] = { ...emails[index], value: form.email };
    }
    ops.push(emails.length ? { op: 'replace', path: 'emails', value: emails } : { op: 'remove', path: 'emails' });
  }
  return ops;
}

export const patchBody = (operations: Operation[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations });
