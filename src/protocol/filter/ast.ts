// The parsed forms of RFC 7644 filters (section 3.4.2.2) and PATCH paths (section 3.5.2).
// Names are kept as written; resolving them against a schema (case-insensitively) is the caller's step.

/** `urn:...:User:name.givenName` → { uri: 'urn:...:User', attr: 'name', sub: 'givenName' } */
export interface AttrPath {
  uri?: string;
  attr: string;
  sub?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type Literal = string | number | boolean | null;

export type Filter =
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: Literal }
  | { kind: 'present'; path: AttrPath }
  | { kind: 'and'; left: Filter; right: Filter }
  | { kind: 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /**
   * `emails[type eq "work" and value co "@x"]`: one element must satisfy the whole inner filter.
   * Inner paths name sub-attributes of `path` (their `attr` is the sub-attribute's name).
   */
  | { kind: 'valuePath'; path: AttrPath; filter: Filter };

/**
 * A PATCH target: `members`, `name.givenName`, `emails[type eq "work"].value`,
 * `urn:...:enterprise:2.0:User:manager`. `valueFilter` selects elements of a multi-valued `path`;
 * `sub` (after the filter) then names the sub-attribute inside each selected element.
 */
export interface PatchPath {
  path: AttrPath;
  valueFilter?: Filter;
  sub?: string;
}
