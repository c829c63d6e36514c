import { ScimError } from '../protocol/errors.js';
import { PATCH_OP_SCHEMA } from '../protocol/messages.js';
import { normalizeResource } from '../protocol/resource.js';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, groupResources, userResources } from '../protocol/schema/registry.js';
import { fold } from '../storage/database.js';
import type { ListOptions, Scope } from './context.js';
import { CsvSyntaxError, formatCsvRow, joinList, readCsv, splitList } from './csv.js';
import type { Roster } from './roster.js';

// Import and export of a directory's users and groups. Every write goes through the directory service, exactly
// as a SCIM request would (validation, uniqueness, hashing, history); nothing here writes SQL. A row is one call
// (create or replace), so a bad row is reported and skipped without touching anything, and never stops the rest.
// Rows that name a manager or members not yet known (later in the file) wait and are retried at the end.

type Resource = Record<string, unknown>;
type Kind = 'User' | 'Group';

export type ImportFormat = 'csv' | 'scim';
export type ExportFormat = 'csv' | 'ndjson';

/** The CSV columns, in export order. Names match case-insensitively on import. */
export const CSV_COLUMNS = [
  'userName', 'givenName', 'familyName', 'displayName', 'email', 'externalId', 'active',
  'title', 'department', 'employeeNumber', 'manager', 'groups',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

export class ImportFileError extends Error {}

export interface RowRef {
  /** 1-based line of the file where the row starts (absent for items of a one-document JSON file). */
  line?: number;
  /** 1-based position in a ListResponse's `Resources` or a JSON array. */
  item?: number;
  /** The row's userName or displayName, when it has one. */
  key?: string;
}

export interface ImportProblem extends RowRef {
  reason: string;
}

export interface ImportCounts {
  created: number;
  updated: number;
}

export interface ImportReport {
  format: ImportFormat;
  dryRun: boolean;
  rows: number;
  users: ImportCounts;
  groups: ImportCounts;
  rejected: ImportProblem[];
  /** Rows applied in part: the user was written, but a group membership from its `groups` cell was not. */
  warnings: ImportProblem[];
}

export interface ImportProgress {
  rows: number;
  applied: number;
  rejected: number;
  waiting: number;
}

export interface ImportOptions {
  format: ImportFormat;
  dryRun?: boolean;
  onProgress?: (progress: ImportProgress) => void;
}

/** A reason a row cannot be applied yet: it names a resource that may come later in the file. */
class Unresolved extends Error {}

interface Row extends RowRef {
  kind?: Kind;
  /** The file's own resource id (SCIM files), mapped to the id given on import. */
  fileId?: string;
  body?: Resource;
  csv?: Partial<Record<Column, string>>;
  /** Set when the row cannot be read at all. */
  error?: string;
}

/**
 * Imports CSV (see CSV_COLUMNS and the README) or SCIM JSON (NDJSON, a ListResponse, or an array) given as lines.
 * With `dryRun`, every row is validated as the service would (normalizeResource) and nothing is written.
 */
export async function importResources(roster: Roster, scope: Scope, lines: AsyncIterable<string>, options: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = {
    format: options.format,
    dryRun: options.dryRun ?? false,
    rows: 0,
    users: { created: 0, updated: 0 },
    groups: { created: 0, updated: 0 },
    rejected: [],
    warnings: [],
  };
  const target = options.dryRun ? new DryRunTarget(roster, scope) : new DirectoryTarget(roster, scope);
  const importer = new Importer(target, report);
  const waiting: { row: Row; reason: string }[] = [];
  const progress = () => options.onProgress?.({ rows: report.rows, applied: importer.applied, rejected: report.rejected.length, waiting: waiting.length });

  const rows = options.format === 'csv' ? csvRows(lines) : scimRows(lines);
  for await (const row of rows) {
    report.rows++;
    const outcome = await importer.apply(row);
    if (outcome instanceof Unresolved) waiting.push({ row, reason: outcome.message });
    progress();
  }
  // Rows that waited for a manager or a member: retry while any of them succeeds.
  for (let progressed = true; progressed && waiting.length > 0; ) {
    progressed = false;
    for (const entry of waiting.splice(0)) {
      const outcome = await importer.apply(entry.row);
      if (outcome instanceof Unresolved) waiting.push({ row: entry.row, reason: outcome.message });
      else progressed = true;
    }
    progress();
  }
  for (const { row, reason } of waiting) report.rejected.push(problem(row, reason));
  report.rejected.sort((a, b) => (a.line ?? a.item ?? 0) - (b.line ?? b.item ?? 0));
  progress();
  return report;
}

function problem(row: RowRef, reason: string): ImportProblem {
  const out: ImportProblem = { reason };
  if (row.line !== undefined) out.line = row.line;
  if (row.item !== undefined) out.item = row.item;
  if (row.key !== undefined) out.key = row.key;
  return out;
}

const reasonOf = (error: unknown) => (error instanceof ScimError ? error.message : error instanceof Error ? error.message : String(error));

class Importer {
  applied = 0;
  /** File ids (SCIM files) → ids in this directory. */
  private readonly ids = new Map<string, { id: string; kind: Kind }>();
  private readonly groupIds = new Map<string, string>();

  constructor(
    private readonly target: Target,
    private readonly report: ImportReport,
  ) {}

  /** Applies one row; reports a rejection itself, returns Unresolved when the row must wait. */
  async apply(row: Row): Promise<Unresolved | void> {
    if (row.error !== undefined) return this.reject(row, row.error);
    try {
      if (row.csv) await this.applyCsv(row, row.csv);
      else if (row.kind === 'User') await this.applyScimUser(row, row.body!);
      else await this.applyScimGroup(row, row.body!);
      this.applied++;
    } catch (error) {
      if (error instanceof Unresolved) return error;
      this.reject(row, reasonOf(error));
    }
  }

  private reject(row: Row, reason: string): void {
    this.report.rejected.push(problem(row, reason));
  }

  // --- SCIM JSON rows ---

  private async applyScimUser(row: Row, body: Resource): Promise<void> {
    const { doc, password } = normalizeResource(userResources, body);
    const enterprise = doc[ENTERPRISE_USER_SCHEMA] as Resource | undefined;
    const manager = enterprise?.manager as Resource | undefined;
    if (manager && typeof manager.value === 'string') {
      enterprise!.manager = { value: await this.resolve(manager.value, 'User', `manager "${manager.value}"`) };
    }
    const out: Resource = { schemas: schemasFor('User', doc), ...doc };
    if (password !== undefined) out.password = password;
    const id = await this.upsertUser(doc.userName as string, out);
    if (row.fileId) this.ids.set(row.fileId, { id, kind: 'User' });
  }

  private async applyScimGroup(row: Row, body: Resource): Promise<void> {
    const { doc, members = [] } = normalizeResource(groupResources, body);
    const resolved = [];
    for (const member of members) {
      const found = await this.resolveMember(member.value, member.type);
      resolved.push({ value: found.id, type: found.kind });
    }
    const out: Resource = { schemas: [GROUP_SCHEMA], ...doc, members: resolved };
    const name = doc.displayName as string;
    const existing = await this.target.findGroup(name);
    let id: string;
    if (existing) {
      await this.target.replaceGroup(existing, out);
      this.report.groups.updated++;
      id = existing;
    } else {
      id = await this.target.createGroup(out);
      this.report.groups.created++;
    }
    this.groupIds.set(fold(name), id);
    if (row.fileId) this.ids.set(row.fileId, { id, kind: 'Group' });
  }

  private async resolve(ref: string, kind: Kind, what: string): Promise<string> {
    const mapped = this.ids.get(ref);
    if (mapped && mapped.kind === kind) return mapped.id;
    if (await this.target.exists(kind, ref)) return ref;
    throw new Unresolved(`${what} is not a ${kind.toLowerCase()} of this directory or of the file`);
  }

  private async resolveMember(ref: string, type: Kind | undefined): Promise<{ id: string; kind: Kind }> {
    const mapped = this.ids.get(ref);
    if (mapped && (type === undefined || mapped.kind === type)) return mapped;
    for (const kind of type ? [type] : (['User', 'Group'] as const)) {
      if (await this.target.exists(kind, ref)) return { id: ref, kind };
    }
    throw new Unresolved(`member "${ref}" is not a ${type?.toLowerCase() ?? 'user or group'} of this directory or of the file`);
  }

  // --- CSV rows ---

  private async applyCsv(row: Row, cells: Partial<Record<Column, string>>): Promise<void> {
    const userName = cells.userName;
    if (!userName) throw new Error('userName is empty');
    const managerRef = cells.manager;
    const managerId = managerRef ? await this.findManager(managerRef) : undefined;
    const existing = await this.target.findUser(userName);
    const body = csvUserBody(cells, existing?.resource, managerId);
    let userId: string;
    if (existing) {
      await this.target.replaceUser(existing.id, body);
      this.report.users.updated++;
      userId = existing.id;
    } else {
      userId = await this.target.createUser(body);
      this.report.users.created++;
    }
    // Memberships after the user: each is its own call; one that fails is a warning on this row.
    for (const name of cells.groups ? splitList(cells.groups) : []) {
      try {
        await this.addToGroup(name, userId);
      } catch (error) {
        this.report.warnings.push(problem(row, `group "${name}": ${reasonOf(error)}`));
      }
    }
  }

  private async findManager(ref: string): Promise<string> {
    if (await this.target.exists('User', ref)) return ref;
    const byName = await this.target.findUser(ref);
    if (byName) return byName.id;
    throw new Unresolved(`manager "${ref}" is neither the id nor the userName of a user of this directory or of the file`);
  }

  private async addToGroup(name: string, userId: string): Promise<void> {
    const key = fold(name);
    const id = this.groupIds.get(key) ?? (await this.target.findGroup(name));
    if (id) {
      this.groupIds.set(key, id);
      await this.target.addMember(id, userId);
      return;
    }
    const created = await this.target.createGroup({ schemas: [GROUP_SCHEMA], displayName: name, members: [{ value: userId, type: 'User' }] });
    this.groupIds.set(key, created);
    this.report.groups.created++;
  }

  private async upsertUser(userName: string, body: Resource): Promise<string> {
    const existing = await this.target.findUser(userName);
    if (existing) {
      await this.target.replaceUser(existing.id, body);
      this.report.users.updated++;
      return existing.id;
    }
    const id = await this.target.createUser(body);
    this.report.users.created++;
    return id;
  }
}

function schemasFor(kind: Kind, doc: Resource): string[] {
  return kind === 'User' ? [USER_SCHEMA, ...(doc[ENTERPRISE_USER_SCHEMA] !== undefined ? [ENTERPRISE_USER_SCHEMA] : [])] : [GROUP_SCHEMA];
}

const TRUE = /^(true|yes|y|1)$/i;
const FALSE = /^(false|no|n|0)$/i;

/**
 * A SCIM user body from a CSV row. For an existing user, the row's non-empty cells are laid over the user as it
 * is, so attributes the CSV has no column for (phone numbers, addresses) are kept; an empty cell changes nothing.
 */
export function csvUserBody(cells: Partial<Record<Column, string>>, existing: Resource | undefined, managerId: string | undefined): Resource {
  const body: Resource = existing ? structuredClone(existing) : {};
  for (const key of ['id', 'meta', 'groups', 'schemas']) delete body[key];
  const set = (key: string, value: string | undefined) => {
    if (value) body[key] = value;
  };
  set('userName', cells.userName);
  set('displayName', cells.displayName);
  set('externalId', cells.externalId);
  set('title', cells.title);
  if (cells.givenName || cells.familyName) {
    const name = { ...((body.name as Resource | undefined) ?? {}) };
    if (cells.givenName) name.givenName = cells.givenName;
    if (cells.familyName) name.familyName = cells.familyName;
    body.name = name;
  }
  if (cells.email) {
    const others = ((body.emails as Resource[] | undefined) ?? []).filter(
      (e) => e.primary !== true && typeof e.value === 'string' && fold(e.value) !== fold(cells.email!),
    );
    body.emails = [{ value: cells.email, type: 'work', primary: true }, ...others];
  }
  if (cells.active) {
    if (TRUE.test(cells.active)) body.active = true;
    else if (FALSE.test(cells.active)) body.active = false;
    else throw new Error(`active must be true or false, not "${cells.active}"`);
  }
  if (cells.department || cells.employeeNumber || managerId) {
    const enterprise = { ...((body[ENTERPRISE_USER_SCHEMA] as Resource | undefined) ?? {}) };
    if (cells.department) enterprise.department = cells.department;
    if (cells.employeeNumber) enterprise.employeeNumber = cells.employeeNumber;
    if (managerId) enterprise.manager = { value: managerId };
    body[ENTERPRISE_USER_SCHEMA] = enterprise;
  }
  body.schemas = schemasFor('User', body);
  return body;
}

// --- Reading files ---

async function* csvRows(lines: AsyncIterable<string>): AsyncGenerator<Row> {
  let columns: (Column | undefined)[] | undefined;
  try {
    for await (const record of readCsv(lines)) {
      if (!columns) {
        columns = headerColumns(record.fields);
        continue;
      }
      const cells: Partial<Record<Column, string>> = {};
      columns.forEach((column, i) => {
        const value = record.fields[i]?.trim();
        if (column && value) cells[column] = value;
      });
      const row: Row = { line: record.line, csv: cells, kind: 'User', key: cells.userName };
      if (record.fields.length > columns.length && record.fields.slice(columns.length).some((f) => f.trim() !== '')) {
        row.error = `the row has ${record.fields.length} cells but the header has ${columns.length} columns`;
      }
      yield row;
    }
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new ImportFileError(error.message);
    throw error;
  }
  if (!columns) throw new ImportFileError('The file is empty: a CSV import needs a header line naming its columns');
}

function headerColumns(names: string[]): Column[] {
  const known = new Map(CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const seen = new Set<Column>();
  const columns = names.map((raw, index) => {
    const column = known.get(raw.trim().toLowerCase());
    if (!column) {
      throw new ImportFileError(`Unknown column "${raw.trim()}" (column ${index + 1}) in the header line. Known columns: ${CSV_COLUMNS.join(', ')}`);
    }
    if (seen.has(column)) throw new ImportFileError(`The column "${column}" appears twice in the header line`);
    seen.add(column);
    return column;
  });
  if (!seen.has('userName')) throw new ImportFileError('The header line has no userName column');
  return columns;
}

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:listresponse';

/**
 * SCIM JSON: one resource per line (NDJSON), or one document (a ListResponse, an array of resources, or a
 * single resource) that may span lines. A first line that is not a complete JSON value means one document.
 */
async function* scimRows(lines: AsyncIterable<string>): AsyncGenerator<Row> {
  const iterator = lines[Symbol.asyncIterator]();
  let lineNumber = 0;
  let first: string | undefined;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    lineNumber++;
    const text = lineNumber === 1 ? next.value.replace(/^\uFEFF/, '') : next.value;
    if (text.trim() !== '') {
      first = text;
      break;
    }
  }
  if (first === undefined) throw new ImportFileError('The file is empty');
  const firstValue = tryJson(first);
  if (firstValue.ok && isObject(firstValue.value) && !isListResponse(firstValue.value)) {
    // NDJSON: this line and every later one is a resource.
    yield scimRow(firstValue.value, { line: lineNumber });
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      lineNumber++;
      if (next.value.trim() === '') continue;
      const parsed = tryJson(next.value);
      if (!parsed.ok) yield { line: lineNumber, error: `not valid JSON: ${parsed.reason}` };
      else if (!isObject(parsed.value)) yield { line: lineNumber, error: 'each line must be one JSON object (a SCIM resource)' };
      else yield scimRow(parsed.value, { line: lineNumber });
    }
  }
  // One document: read it whole.
  let text = first;
  if (!firstValue.ok) {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      text += `\n${next.value}`;
    }
  }
  const whole = firstValue.ok ? firstValue : tryJson(text);
  if (!whole.ok) throw new ImportFileError(`The file is neither NDJSON (one resource per line) nor one JSON document: ${whole.reason}`);
  const resources = Array.isArray(whole.value) ? whole.value : isObject(whole.value) ? listResources(whole.value) : undefined;
  if (!resources) throw new ImportFileError('A SCIM JSON file holds resources: one per line, a ListResponse, or an array');
  for (const [index, resource] of resources.entries()) {
    yield isObject(resource) ? scimRow(resource, { item: index + 1 }) : { item: index + 1, error: 'a resource must be a JSON object' };
  }
}

function listResources(document: Resource): unknown[] | undefined {
  if (!isListResponse(document)) return [document];
  const key = Object.keys(document).find((k) => k.toLowerCase() === 'resources');
  const resources = key === undefined ? [] : document[key];
  return Array.isArray(resources) ? resources : undefined;
}

function isListResponse(value: Resource): boolean {
  const schemas = value.schemas;
  if (Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === LIST_RESPONSE)) return true;
  return Object.keys(value).some((k) => k.toLowerCase() === 'resources') && Array.isArray(value[Object.keys(value).find((k) => k.toLowerCase() === 'resources')!]);
}

function scimRow(resource: Resource, at: RowRef): Row {
  const kind = kindOf(resource);
  const id = resource.id;
  const key = kind === 'User' ? resource.userName : resource.displayName;
  const row: Row = { ...at, kind, body: resource, fileId: typeof id === 'string' && id !== '' ? id : undefined };
  if (typeof key === 'string') row.key = key;
  if (!kind) row.error = 'cannot tell whether this is a User or a Group: list its schema in "schemas"';
  return row;
}

function kindOf(resource: Resource): Kind | undefined {
  const schemas = Array.isArray(resource.schemas) ? resource.schemas.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase()) : [];
  if (schemas.includes(GROUP_SCHEMA.toLowerCase())) return 'Group';
  if (schemas.includes(USER_SCHEMA.toLowerCase())) return 'User';
  const type = isObject(resource.meta) ? resource.meta.resourceType : undefined;
  if (type === 'User' || type === 'Group') return type;
  if ('userName' in resource) return 'User';
  if ('displayName' in resource && 'members' in resource) return 'Group';
  return undefined;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

function isObject(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- Where rows go: the directory, or (dry run) nowhere ---

interface Target {
  findUser(userName: string): Promise<{ id: string; resource: Resource } | undefined>;
  findGroup(displayName: string): Promise<string | undefined>;
  exists(kind: Kind, id: string): Promise<boolean>;
  createUser(body: Resource): Promise<string>;
  replaceUser(id: string, body: Resource): Promise<void>;
  createGroup(body: Resource): Promise<string>;
  replaceGroup(id: string, body: Resource): Promise<void>;
  addMember(groupId: string, userId: string): Promise<void>;
}

const filterEq = (attribute: string, value: string) => `${attribute} eq ${JSON.stringify(value)}`;
const one = (filter: string): ListOptions => ({ filter, startIndex: 1, count: 1, sortOrder: 'ascending' });

class DirectoryTarget implements Target {
  constructor(
    protected readonly roster: Roster,
    protected readonly scope: Scope,
  ) {}

  async findUser(userName: string) {
    const { resources } = await this.roster.users.list(this.scope, one(filterEq('userName', userName)), false);
    return resources[0] ? { id: resources[0].id as string, resource: resources[0] } : undefined;
  }

  async findGroup(displayName: string) {
    const { resources } = await this.roster.groups.list(this.scope, one(filterEq('displayName', displayName)), false);
    return resources[0]?.id as string | undefined;
  }

  async exists(kind: Kind, id: string) {
    try {
      await (kind === 'User' ? this.roster.users.get(this.scope, id, false) : this.roster.groups.get(this.scope, id, false));
      return true;
    } catch (error) {
      if (error instanceof ScimError && error.status === 404) return false;
      throw error;
    }
  }

  async createUser(body: Resource) {
    return (await this.roster.users.create(this.scope, body)).id as string;
  }

  async replaceUser(id: string, body: Resource) {
    await this.roster.users.replace(this.scope, id, body);
  }

  async createGroup(body: Resource) {
    return (await this.roster.groups.create(this.scope, body)).id as string;
  }

  async replaceGroup(id: string, body: Resource) {
    await this.roster.groups.replace(this.scope, id, body);
  }

  async addMember(groupId: string, userId: string) {
    await this.roster.groups.patch(this.scope, groupId, {
      schemas: [PATCH_OP_SCHEMA],
      Operations: [{ op: 'add', path: 'members', value: [{ value: userId, type: 'User' }] }],
    });
  }
}

/**
 * Reads like the directory, writes nothing: each body is validated as the service would, and what the file
 * would create is remembered under invented ids, so later rows that refer to it resolve as they would for real.
 */
class DryRunTarget extends DirectoryTarget {
  private readonly users = new Map<string, string>();
  private readonly groups = new Map<string, string>();
  private readonly invented = new Set<string>();
  private counter = 0;

  override async findUser(userName: string) {
    const id = this.users.get(fold(userName));
    if (id) return { id, resource: { userName } };
    return super.findUser(userName);
  }

  override async findGroup(displayName: string) {
    return this.groups.get(fold(displayName)) ?? (await super.findGroup(displayName));
  }

  override async exists(kind: Kind, id: string) {
    return this.invented.has(`${kind}:${id}`) || (!id.startsWith('dry-run-') && (await super.exists(kind, id)));
  }

  override async createUser(body: Resource) {
    const { doc } = normalizeResource(userResources, body);
    return this.invent('User', this.users, doc.userName as string);
  }

  override async replaceUser(_id: string, body: Resource) {
    normalizeResource(userResources, body);
  }

  override async createGroup(body: Resource) {
    const { doc } = normalizeResource(groupResources, body);
    return this.invent('Group', this.groups, doc.displayName as string);
  }

  override async replaceGroup(_id: string, body: Resource) {
    normalizeResource(groupResources, body);
  }

  override async addMember() {}

  private invent(kind: Kind, names: Map<string, string>, name: string): string {
    const id = `dry-run-${++this.counter}`;
    names.set(fold(name), id);
    this.invented.add(`${kind}:${id}`);
    return id;
  }
}

// --- Export ---

export interface ExportOptions {
  format: ExportFormat;
  /** Receives the output piece by piece; awaited, so a slow writer slows the export instead of filling memory. */
  write: (text: string) => Promise<void> | void;
  /** Resources per directory read (500). */
  pageSize?: number;
  onProgress?: (progress: { users: number; groups: number }) => void;
}

export interface ExportSummary {
  users: number;
  groups: number;
}

/**
 * Streams a directory's users, then its groups with their members, in creation order. Memory stays constant
 * whatever the directory's size: one page of resources (and one group's members) at a time.
 */
export async function exportDirectory(roster: Roster, scope: Scope, options: ExportOptions): Promise<ExportSummary> {
  const pageSize = options.pageSize ?? 500;
  const counts = { users: 0, groups: 0 };
  const progress = () => options.onProgress?.({ ...counts });
  const userNames = new BoundedCache<string>(10_000);

  if (options.format === 'csv') await options.write(`${formatCsvRow(CSV_COLUMNS)}\n`);
  for await (const user of pages((page) => roster.users.list(scope, page, options.format === 'csv'), pageSize)) {
    userNames.set(user.id as string, user.userName as string);
    if (options.format === 'ndjson') {
      const { groups: _derived, ...rest } = user;
      await options.write(`${JSON.stringify(rest)}\n`);
    } else {
      await options.write(`${formatCsvRow(await csvCells(roster, scope, user, userNames))}\n`);
    }
    counts.users++;
    if (counts.users % pageSize === 0) progress();
  }
  // CSV carries memberships in each user's `groups` cell; NDJSON carries every group with its members.
  if (options.format === 'ndjson') {
    for await (const listed of pages((page) => roster.groups.list(scope, page, false), pageSize)) {
      let group: Resource;
      try {
        group = await roster.groups.get(scope, listed.id as string, true);
      } catch (error) {
        if (error instanceof ScimError && error.status === 404) continue; // deleted while we read
        throw error;
      }
      await options.write(`${JSON.stringify(group)}\n`);
      counts.groups++;
      if (counts.groups % pageSize === 0) progress();
    }
  }
  progress();
  return counts;
}

/** Pages by cursor (creation order, keyset): the same cost for the last page of a million users as the first. */
async function* pages(list: (page: ListOptions) => Promise<{ resources: Resource[]; nextCursor?: string }>, pageSize: number): AsyncGenerator<Resource> {
  let cursor = '';
  for (;;) {
    const { resources, nextCursor } = await list({ startIndex: 1, cursor, count: pageSize, sortOrder: 'ascending' });
    yield* resources;
    if (!nextCursor) return;
    cursor = nextCursor;
  }
}

async function csvCells(roster: Roster, scope: Scope, user: Resource, userNames: BoundedCache<string>): Promise<string[]> {
  const name = (user.name as Resource | undefined) ?? {};
  const emails = (user.emails as Resource[] | undefined) ?? [];
  const email = emails.find((e) => e.primary === true) ?? emails[0];
  const enterprise = (user[ENTERPRISE_USER_SCHEMA] as Resource | undefined) ?? {};
  const managerId = (enterprise.manager as Resource | undefined)?.value;
  let manager = '';
  if (typeof managerId === 'string') {
    manager = userNames.get(managerId) ?? '';
    if (!manager) {
      try {
        manager = (await roster.users.get(scope, managerId, false)).userName as string;
        userNames.set(managerId, manager);
      } catch {
        manager = managerId; // not a user of this directory: keep the reference as it is
      }
    }
  }
  const groups = ((user.groups as Resource[] | undefined) ?? []).filter((g) => g.type === 'direct').map((g) => String(g.display));
  const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));
  const cells: Record<Column, string> = {
    userName: text(user.userName),
    givenName: text(name.givenName),
    familyName: text(name.familyName),
    displayName: text(user.displayName),
    email: text(email?.value),
    externalId: text(user.externalId),
    active: user.active === undefined ? '' : String(user.active !== false),
    title: text(user.title),
    department: text(enterprise.department),
    employeeNumber: text(enterprise.employeeNumber),
    manager,
    groups: joinList(groups),
  };
  return CSV_COLUMNS.map((c) => cells[c]);
}

/** A map that forgets its oldest entries beyond a size, so exports stay in constant memory. */
class BoundedCache<T> {
  private readonly map = new Map<string, T>();
  constructor(private readonly size: number) {}
  get(key: string): T | undefined {
    return this.map.get(key);
  }
  set(key: string, value: T): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}
