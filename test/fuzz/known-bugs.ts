// Inputs that still break the server, found by this fuzzing run and reported (see test/hardening/regressions.test.ts,
// which keeps each one as a test that fails until the bug is fixed). The fuzz properties skip exactly these inputs
// so they can keep looking for new problems; delete a rule here when its bug is fixed.
//
// No bug is open. Fixed, and kept as plain regression tests: sortBy naming an extension schema (bug 1), long values
// of indexed attributes on PostgreSQL (bug 2), Bulk in flight while the server closes (bug 3).

export type FuzzInput =
  | { kind: 'sortBy'; value: unknown }
  | { kind: 'patch'; resource: 'Users' | 'Groups'; body: unknown }
  | { kind: 'patch-text'; resource: 'Users' | 'Groups'; text: string }
  | { kind: 'body'; method: string; path: string; text: string };

export function isKnownBug(input: FuzzInput): boolean {
  switch (input.kind) {
    default:
      return false;
  }
}
