// Inputs that still break the server, found by this fuzzing run and reported (see regressions.test.ts, which
// keeps each one as a test that fails until the bug is fixed). The fuzz properties skip exactly these inputs so
// they can keep looking for new problems; delete a rule here when its bug is fixed.
import { ENTERPRISE } from '../http/helpers.js';

export type FuzzInput =
  | { kind: 'sortBy'; value: unknown }
  | { kind: 'patch'; resource: 'Users' | 'Groups'; body: unknown }
  | { kind: 'patch-text'; resource: 'Users' | 'Groups'; text: string }
  | { kind: 'body'; method: string; path: string; text: string };

const lower = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '');

export function isKnownBug(input: FuzzInput): boolean {
  switch (input.kind) {
    case 'sortBy':
      // Bug 1: sorting by an extension schema URN itself (no attribute) is a 500.
      return lower(input.value) === ENTERPRISE.toLowerCase();
    default:
      return false;
  }
}
