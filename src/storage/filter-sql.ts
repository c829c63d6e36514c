import { sql } from 'kysely';
import { badRequest } from '../protocol/errors.js';
import type { AttrPath, CompareOp, Filter, Literal } from '../protocol/filter/ast.js';
import { ROLES_EXTENSION_SCHEMA, findAttribute, type ResourceSchema, type ResolvedPath } from '../protocol/schema/registry.js';
import type { AttributeDef } from '../protocol/schema/types.js';
import { fold, type DialectName } from './database.js';
import { dialectSql, type DialectSql, type Sql } from './dialect-sql.js';

// Compiles a parsed SCIM filter into a SQL condition on the resource row `r` (users or groups). Hot attributes
// use their own indexed columns, emails a child table, memberships their table, everything else the JSON
// document. Every value is a bound parameter; identifiers come only from the schema definitions.

type ValueKind = 'text' | 'number' | 'boolean' | 'date';

/** A comparable SQL expression for one attribute (or sub-attribute) value. */
interface ValueExpr {
  expr: Sql;
  def: AttributeDef;
  kind: ValueKind;
  /** The column already holds the folded value (user_name_ci): fold only the literal. */
  prefolded?: boolean;
  /** Booleans stored as 0/1 columns (rather than JSON booleans). */
  intBoolean?: boolean;
}

/** Rows standing for the elements of a multi-valued attribute, correlated to `r`. */
interface ElementSource {
  from: Sql;
  where: Sql;
  /**
   * For child tables keyed by (directory, owner): the owner column and the directory column. With the directory
   * known, the test is `r.id in (select owner ... where directory = ?)`, which both planners drive from the
   * child table's index; a correlated EXISTS makes SQLite visit every user of the directory.
   */
  owner?: { column: Sql; directory: Sql; from: Sql };
  /** The expression of a sub-attribute of the element; undefined when that sub-attribute is not filterable. */
  sub(def: AttributeDef): ValueExpr | undefined;
}

export interface CompileContext {
  schema: ResourceSchema;
  resource: 'User' | 'Group';
  dialect: DialectName;
  /** The directory the filter runs in; lets child-table conditions use their (directory, value) indexes. */
  directoryId?: string;
}

const kindOf = (def: AttributeDef): ValueKind =>
  def.type === 'boolean' ? 'boolean' : def.type === 'integer' || def.type === 'decimal' ? 'number' : def.type === 'dateTime' ? 'date' : 'text';

const describe = (path: AttrPath) => [path.uri, [path.attr, path.sub].filter(Boolean).join('.')].filter(Boolean).join(':');

export class FilterCompiler {
  private readonly d: DialectSql;

  constructor(private readonly ctx: CompileContext) {
    this.d = dialectSql(ctx.dialect);
  }

  compile(filter: Filter): Sql {
    switch (filter.kind) {
      case 'and':
        return sql`(${this.compile(filter.left)} and ${this.compile(filter.right)})`;
      case 'or':
        return sql`(${this.compile(filter.left)} or ${this.compile(filter.right)})`;
      case 'not':
        return sql`(not coalesce(${this.compile(filter.filter)}, ${this.d.boolean(false)}))`;
      case 'valuePath':
        return this.compileValuePath(filter.path, filter.filter);
      case 'present':
      case 'compare':
        return this.compileLeaf(filter);
    }
  }

  /** The expression that sorts by `path`: single-valued attributes, or a multi-valued one's primary value. */
  sortExpression(path: AttrPath): Sql {
    const resolved = this.ctx.schema.resolve(path);
    if (resolved?.attribute?.multiValued && this.ctx.resource === 'User' && resolved.attribute.name === 'emails') {
      const sub = resolved.sub?.name ?? 'value';
      if (sub === 'value' || sub === 'type' || sub === 'display') {
        const col = sub === 'value' ? 'value_ci' : sub === 'type' ? 'type' : 'display';
        return sql`(select e.${sql.raw(col)} from user_emails e where e.directory_id = r.directory_id and e.user_id = r.id order by e."primary" desc, e.position limit 1)`;
      }
    }
    const value = resolved?.attribute && !resolved.attribute.multiValued ? this.singleValue(resolved) : undefined;
    if (!value) throw badRequest('invalidValue', `sortBy "${describe(path)}" is not an attribute this server can sort by`);
    return value.kind === 'text' && !value.def.caseExact && !value.prefolded ? this.d.fold(value.expr) : value.expr;
  }

  private resolve(path: AttrPath, where = 'filter'): ResolvedPath {
    const resolved = this.ctx.schema.resolve(path);
    if (!resolved || !resolved.attribute) {
      throw badRequest('invalidFilter', `The ${where} names "${describe(path)}", which is not an attribute of ${this.ctx.resource}`);
    }
    // A write-only value (a password, a PIN) must not be testable by guessing through filters.
    for (const def of [resolved.attribute, resolved.sub]) {
      if (def && (def.mutability === 'writeOnly' || def.returned === 'never')) {
        throw badRequest('invalidFilter', `"${describe(path)}" is write-only and cannot be filtered on`);
      }
    }
    return resolved;
  }

  private compileLeaf(leaf: Extract<Filter, { kind: 'compare' | 'present' }>): Sql {
    if (leaf.path.uri === undefined && leaf.path.attr.toLowerCase() === 'schemas' && leaf.path.sub === undefined) {
      return this.compileSchemas(leaf);
    }
    const resolved = this.resolve(leaf.path);
    const attribute = resolved.attribute!;
    if (attribute.multiValued) {
      const source = this.elements(resolved);
      if (leaf.kind === 'present' && !resolved.sub) return this.exists(source, sql`1 = 1`);
      // `emails co "x"` compares each element's `value`; `emails.type eq "work"` the named sub-attribute.
      // A multi-valued attribute of simple values (effectiveRoles, extension string lists) compares the element.
      const subDef = resolved.sub ?? (attribute.subAttributes ? findAttribute(attribute.subAttributes, 'value') : attribute);
      if (!subDef) throw badRequest('invalidFilter', `Name a sub-attribute of "${attribute.name}" to compare it`);
      const value = source.sub(subDef);
      if (!value) throw this.unsupported(leaf.path);
      // `ne` on a multi-valued attribute means no element equals the value (absent included).
      if (leaf.kind === 'compare' && leaf.op === 'ne' && leaf.value !== null) {
        return sql`(not ${this.exists(source, this.condition(value, { ...leaf, op: 'eq' }))})`;
      }
      return this.exists(source, this.condition(value, leaf));
    }
    if (leaf.kind === 'present' && attribute.type === 'complex' && !resolved.sub) {
      // `name pr`: the complex attribute has at least one sub-attribute (empty objects are never stored).
      if (!resolved.inExtension && attribute.name === 'meta') return sql`1 = 1`;
      const keys = resolved.inExtension ? [resolved.schemaId, attribute.name] : [attribute.name];
      return sql`(${this.d.jsonText(sql`r.doc`, keys)} is not null)`;
    }
    const value = this.singleValue(resolved);
    if (!value) throw this.unsupported(leaf.path);
    return this.condition(value, leaf);
  }

  private compileValuePath(path: AttrPath, inner: Filter): Sql {
    const resolved = this.resolve(path);
    const attribute = resolved.attribute!;
    if (resolved.sub || !attribute.subAttributes) {
      throw badRequest('invalidFilter', `"${describe(path)}[...]" needs a complex attribute before the brackets`);
    }
    if (!attribute.multiValued) {
      // A value path on a single complex attribute (`name[givenName eq "x"]`) is the inner filter on its sub-attributes.
      return this.compileInner(inner, (subPath) => {
        const sub = findAttribute(attribute.subAttributes, subPath.attr);
        if (!sub || subPath.sub) return undefined;
        return this.singleValue({ ...resolved, sub });
      }, attribute);
    }
    const source = this.elements(resolved);
    return this.exists(source, this.compileInner(inner, (subPath) => {
      const sub = findAttribute(attribute.subAttributes, subPath.attr);
      return sub && !subPath.sub ? source.sub(sub) : undefined;
    }, attribute));
  }

  /** The filter inside brackets: paths name sub-attributes of `parent`, all evaluated on the same element. */
  private compileInner(filter: Filter, valueFor: (path: AttrPath) => ValueExpr | undefined, parent: AttributeDef): Sql {
    switch (filter.kind) {
      case 'and':
        return sql`(${this.compileInner(filter.left, valueFor, parent)} and ${this.compileInner(filter.right, valueFor, parent)})`;
      case 'or':
        return sql`(${this.compileInner(filter.left, valueFor, parent)} or ${this.compileInner(filter.right, valueFor, parent)})`;
      case 'not':
        return sql`(not coalesce(${this.compileInner(filter.filter, valueFor, parent)}, ${this.d.boolean(false)}))`;
      case 'valuePath':
        throw badRequest('invalidFilter', `Value paths cannot be nested inside "${parent.name}[...]"`);
      default: {
        if (filter.path.uri !== undefined) throw badRequest('invalidFilter', `Inside "${parent.name}[...]" name sub-attributes only`);
        const value = valueFor(filter.path);
        if (!value) {
          const known = findAttribute(parent.subAttributes, filter.path.attr);
          if (known) throw this.unsupported(filter.path);
          throw badRequest('invalidFilter', `"${describe(filter.path)}" is not a sub-attribute of "${parent.name}"`);
        }
        return this.condition(value, filter);
      }
    }
  }

  private compileSchemas(leaf: Extract<Filter, { kind: 'compare' | 'present' }>): Sql {
    if (leaf.kind === 'present') return sql`1 = 1`;
    if (leaf.op !== 'eq' || typeof leaf.value !== 'string') {
      throw badRequest('invalidFilter', 'Only "schemas eq <URN>" and "schemas pr" are supported on schemas');
    }
    const id = this.ctx.schema.schemaIdFor(leaf.value);
    if (id === this.ctx.schema.coreId) return sql`1 = 1`;
    if (!id) return sql`1 = 0`;
    return sql`(${this.d.jsonText(sql`r.doc`, [id])} is not null)`;
  }

  private unsupported(path: AttrPath) {
    return badRequest('invalidFilter', `Filtering on "${describe(path)}" is not supported`);
  }

  private exists(source: ElementSource, condition: Sql): Sql {
    if (source.owner && this.ctx.directoryId !== undefined) {
      const { column, directory, from } = source.owner;
      return sql`r.id in (select ${column} from ${from} where ${directory} = ${this.ctx.directoryId} and ${condition})`;
    }
    return sql`exists (select 1 from ${source.from} where ${source.where} and ${condition})`;
  }

  // Aliases count per compiled filter, so the same filter shape gives the same SQL text (and cached statement).
  private aliases = 0;
  private nextAlias(prefix: string): string {
    return `${prefix}${++this.aliases}`;
  }

  /** Columns and JSON locations of single-valued attributes and sub-attributes of single-valued complex ones. */
  private singleValue(resolved: ResolvedPath): ValueExpr | undefined {
    const attribute = resolved.attribute!;
    const target = resolved.sub ?? attribute;
    if (target.type === 'complex') {
      // `manager eq "id"` compares the complex attribute's `value` (Entra's reference checks rely on it).
      const valueSub = findAttribute(target.subAttributes, 'value');
      return valueSub && !resolved.sub ? this.singleValue({ ...resolved, sub: valueSub }) : undefined;
    }
    const col = (name: string, extra: Partial<ValueExpr> = {}): ValueExpr => ({
      expr: sql`r.${sql.raw(name)}`,
      def: target,
      kind: kindOf(target),
      ...extra,
    });
    if (!resolved.inExtension) {
      const name = attribute.name;
      const sub = resolved.sub?.name;
      if (name === 'id') return col('id');
      if (name === 'externalId') return col('external_id');
      if (name === 'meta') {
        if (sub === 'created') return col('created');
        if (sub === 'lastModified') return col('last_modified');
        if (sub === 'resourceType') return { expr: sql`cast(${this.ctx.resource} as text)`, def: target, kind: 'text' };
        return undefined;
      }
      if (this.ctx.resource === 'User') {
        if (name === 'userName') return col('user_name_ci', { prefolded: true });
        if (name === 'displayName') return col('display_name');
        if (name === 'active') return col('active', { intBoolean: true });
        if (name === 'password') return undefined;
      } else if (name === 'displayName') {
        return col('display_name_ci', { prefolded: true });
      }
    }
    const keys = resolved.inExtension ? [resolved.schemaId, attribute.name] : [attribute.name];
    if (resolved.sub) keys.push(resolved.sub.name);
    const kind = kindOf(target);
    return { expr: this.d.jsonTyped(sql`r.doc`, keys, kind === 'date' ? 'text' : kind), def: target, kind };
  }

  /** Where the elements of a multi-valued attribute live. */
  private elements(resolved: ResolvedPath): ElementSource {
    const attribute = resolved.attribute!;
    const alias = this.nextAlias('e');
    const a = sql.raw(alias);
    const text = (name: string, def: AttributeDef, extra: Partial<ValueExpr> = {}): ValueExpr => ({
      expr: sql`${a}.${sql.raw(name)}`,
      def,
      kind: kindOf(def),
      ...extra,
    });
    if (!resolved.inExtension && this.ctx.resource === 'User' && attribute.name === 'emails') {
      return {
        from: sql`user_emails ${a}`,
        where: sql`${a}.directory_id = r.directory_id and ${a}.user_id = r.id`,
        owner: { column: sql`${a}.user_id`, directory: sql`${a}.directory_id`, from: sql`user_emails ${a}` },
        sub: (def) =>
          def.name === 'value'
            ? text('value_ci', def, { prefolded: true })
            : def.name === 'primary'
              ? text('"primary"', def, { intBoolean: true })
              : def.name === 'type' || def.name === 'display'
                ? text(def.name, def)
                : undefined,
      };
    }
    if (!resolved.inExtension && this.ctx.resource === 'User' && attribute.name === 'groups') {
      const g = sql.raw(`${alias}g`);
      return {
        from: sql`memberships ${a} join groups ${g} on ${g}.directory_id = ${a}.directory_id and ${g}.id = ${a}.group_id`,
        where: sql`${a}.directory_id = r.directory_id and ${a}.member_id = r.id and ${a}.member_type = 'User'`,
        owner: {
          column: sql`${a}.member_id`,
          directory: sql`${a}.directory_id`,
          from: sql`memberships ${a} join groups ${g} on ${g}.directory_id = ${a}.directory_id and ${g}.id = ${a}.group_id and ${a}.member_type = 'User'`,
        },
        sub: (def) =>
          def.name === 'value'
            ? text('group_id', def, { prefolded: true }) // ids are lower-case UUIDs: an index lookup, not a scan
            : def.name === 'display'
              ? { expr: sql`${g}.display_name_ci`, def, kind: 'text', prefolded: true }
              : def.name === 'type'
                ? { expr: sql`'direct'`, def, kind: 'text' }
                : undefined,
      };
    }
    if (!resolved.inExtension && this.ctx.resource === 'Group' && attribute.name === 'members') {
      return {
        from: sql`memberships ${a}`,
        // Soft-deleted users keep their membership rows but are no members to the outside.
        where: sql`${a}.directory_id = r.directory_id and ${a}.group_id = r.id and not exists (select 1 from users ${sql.raw(`${alias}u`)} where ${sql.raw(`${alias}u`)}.directory_id = ${a}.directory_id and ${sql.raw(`${alias}u`)}.id = ${a}.member_id and ${sql.raw(`${alias}u`)}.deleted_at is not null)`,
        sub: (def) => (def.name === 'value' ? text('member_id', def) : def.name === 'type' ? text('member_type', def) : undefined),
      };
    }
    if (resolved.schemaId === ROLES_EXTENSION_SCHEMA && this.ctx.resource === 'User') {
      return {
        from: sql`user_roles ${a}`,
        where: sql`${a}.directory_id = r.directory_id and ${a}.user_id = r.id`,
        owner: { column: sql`${a}.user_id`, directory: sql`${a}.directory_id`, from: sql`user_roles ${a}` },
        sub: (def) => (def === attribute ? text('role', def) : undefined),
      };
    }
    const keys = resolved.inExtension ? [resolved.schemaId, attribute.name] : [attribute.name];
    return {
      from: this.d.jsonArrayElements(sql`r.doc`, keys, alias),
      where: sql`1 = 1`,
      sub: (def) => {
        const kind = kindOf(def);
        const type = kind === 'date' ? 'text' : kind;
        return { expr: def === attribute ? this.d.elementSelf(alias, type) : this.d.elementText(alias, def.name, type), def, kind };
      },
    };
  }

  /** One comparison, typed by the attribute definition. */
  private condition(value: ValueExpr, leaf: Extract<Filter, { kind: 'compare' | 'present' }>): Sql {
    const { expr } = value;
    if (leaf.kind === 'present') {
      return value.kind === 'text' ? sql`(${expr} is not null and ${expr} <> '')` : sql`(${expr} is not null)`;
    }
    const { op } = leaf;
    if (typeof leaf.value === 'string' && leaf.value.includes('\0')) throw badRequest('invalidFilter', 'NUL characters are not accepted in filter values');
    if (leaf.value === null) {
      if (op === 'eq') return sql`(${expr} is null)`;
      if (op === 'ne') return sql`(${expr} is not null)`;
      throw badRequest('invalidFilter', `"${op} null" is not a comparison; use "pr" or "eq null"`);
    }
    switch (value.kind) {
      case 'boolean':
        return this.booleanCondition(value, op, leaf.value);
      case 'number': {
        const number = typeof leaf.value === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(leaf.value.trim()) ? Number(leaf.value) : leaf.value;
        if (typeof number !== 'number') throw badRequest('invalidFilter', `"${value.def.name}" is a number; compare it with a number`);
        if (op === 'co' || op === 'sw' || op === 'ew') throw badRequest('invalidFilter', `"${op}" applies to strings, not to "${value.def.name}"`);
        return this.ordered(expr, op, sql`${number}`);
      }
      case 'date': {
        const when = typeof leaf.value === 'string' ? new Date(leaf.value) : undefined;
        if (!when || Number.isNaN(when.getTime())) {
          throw badRequest('invalidFilter', `"${value.def.name}" is a dateTime; compare it with a date such as "2026-01-31T12:00:00Z"`);
        }
        if (op === 'co' || op === 'sw' || op === 'ew') throw badRequest('invalidFilter', `"${op}" applies to strings, not to "${value.def.name}"`);
        return this.ordered(expr, op, sql`${when.toISOString()}`);
      }
      case 'text': {
        if (typeof leaf.value === 'boolean') throw badRequest('invalidFilter', `"${value.def.name}" is a string; compare it with a string`);
        // Unquoted numbers from old Entra tenants (`externalId eq 12345`) compare as their text.
        const raw = String(leaf.value);
        const insensitive = !value.def.caseExact;
        const left = insensitive && !value.prefolded ? this.d.fold(expr) : expr;
        const literal = insensitive ? fold(raw) : raw;
        if (op === 'co' || op === 'sw' || op === 'ew') {
          const escaped = literal.replace(/[\\%_]/g, (c) => `\\${c}`);
          const pattern = op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
          return sql`(${left} like ${pattern} escape '\\')`;
        }
        return this.ordered(left, op, sql`${literal}`);
      }
    }
  }

  private booleanCondition(value: ValueExpr, op: CompareOp, literal: Literal): Sql {
    let wanted: boolean | undefined;
    if (typeof literal === 'boolean') wanted = literal;
    else if (typeof literal === 'string' && /^(true|false)$/i.test(literal)) wanted = literal.toLowerCase() === 'true';
    if (wanted === undefined) throw badRequest('invalidFilter', `"${value.def.name}" is a boolean; compare it with true or false`);
    if (op !== 'eq' && op !== 'ne') throw badRequest('invalidFilter', `"${op}" does not apply to the boolean "${value.def.name}"`);
    const bound = value.intBoolean ? sql`${wanted ? 1 : 0}` : this.d.boolean(wanted);
    return op === 'eq' ? sql`(${value.expr} = ${bound})` : sql`(${value.expr} is null or ${value.expr} <> ${bound})`;
  }

  private ordered(left: Sql, op: CompareOp, right: Sql): Sql {
    switch (op) {
      case 'eq':
        return sql`(${left} = ${right})`;
      case 'ne':
        return sql`(${left} is null or ${left} <> ${right})`;
      case 'gt':
        return sql`(${left} > ${right})`;
      case 'ge':
        return sql`(${left} >= ${right})`;
      case 'lt':
        return sql`(${left} < ${right})`;
      case 'le':
        return sql`(${left} <= ${right})`;
      default:
        throw badRequest('invalidFilter', `"${op}" applies to strings only`);
    }
  }
}
