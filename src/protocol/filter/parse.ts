import type { Filter, Literal } from './ast.js';
import { formatAttrPath } from './attr-path-syntax.js';
import { FilterGrammar } from './grammar.js';

export { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from './grammar.js';

/** Parses an RFC 7644 filter (section 3.4.2.2); throws ScimError 400 invalidFilter naming what was expected where. */
export function parseFilter(text: string): Filter {
  return new FilterGrammar(text, 'invalidFilter').filter();
}

/**
 * Prints a filter as text that parses back to the same tree: parentheses only where precedence
 * (not > and > or, left-associative) needs them. Handy for logs and for round-trip tests.
 */
export function formatFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${formatAttrPath(filter.path)} ${filter.op} ${formatLiteral(filter.value)}`;
    case 'present':
      return `${formatAttrPath(filter.path)} pr`;
    case 'not':
      return `not (${formatFilter(filter.filter)})`;
    case 'valuePath':
      return `${formatAttrPath(filter.path)}[${formatFilter(filter.filter)}]`;
    case 'and':
    case 'or': {
      // Parsed chains are left-deep; walk the left spine in a loop so long chains cost no stack.
      const kind = filter.kind;
      const rights: Filter[] = [];
      let node: Filter = filter;
      while (node.kind === kind) {
        rights.push(node.right);
        node = node.left;
      }
      const parts = [formatOperand(node, kind, 'left')];
      for (let i = rights.length - 1; i >= 0; i--) parts.push(formatOperand(rights[i], kind, 'right'));
      return parts.join(` ${kind} `);
    }
  }
}

function formatOperand(operand: Filter, parent: 'and' | 'or', side: 'left' | 'right'): string {
  const text = formatFilter(operand);
  const grouped =
    parent === 'and'
      ? operand.kind === 'or' || (side === 'right' && operand.kind === 'and')
      : side === 'right' && operand.kind === 'or';
  return grouped ? `(${text})` : text;
}

export function formatLiteral(value: Literal): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
