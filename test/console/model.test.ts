import { describe, expect, it } from 'vitest';
import { escapeHtml, html, query, raw } from '../../src/console/html.js';
import { allOf, editOperations, personName, searchFilter } from '../../src/console/people-model.js';
import type { Filter } from '../../src/protocol/filter/ast.js';
import { parseFilter } from '../../src/protocol/filter/index.js';

// The pure parts of the console: escaping, the People search filter, and the PATCH an edit makes.

describe('html escaping', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"onmouseover="x', '&quot;onmouseover=&quot;x'],
    ["' autofocus onfocus='x", '&#39; autofocus onfocus=&#39;x'],
    ['a & b', 'a &amp; b'],
    ['`x`', '&#96;x&#96;'],
  ])('escapes %s', (input, output) => {
    expect(escapeHtml(input)).toBe(output);
    expect(html`<p title="${input}">${input}</p>`.value).toBe(`<p title="${output}">${output}</p>`);
  });

  it('escapes inside arrays and keeps markup made by html or raw', () => {
    const items = ['<b>', 'ok'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe('<ul><li>&lt;b&gt;</li><li>ok</li></ul>');
    expect(html`${raw('<br>')}${null}${undefined}${false}${0}`.value).toBe('<br>0');
  });

  it('builds query strings from the parameters that have a value', () => {
    expect(query({ q: 'a b&c', status: '', page: undefined, n: 2 })).toBe('?q=a+b%26c&n=2');
    expect(query({})).toBe('');
  });
});

describe('the People search', () => {
  it.each(['jane', 'o"brien', 'back\\slash', ')) or ((userName pr', '<script>', 'ünïcödé', 'a'.repeat(500)])(
    'turns %j into a filter that parses and only compares values',
    (q) => {
      const leaves: Filter[] = [];
      const walk = (f: Filter): void => (f.kind === 'or' ? (walk(f.left), walk(f.right)) : void leaves.push(f));
      walk(parseFilter(searchFilter(q)));
      expect(leaves).toHaveLength(6);
      for (const leaf of leaves) expect(leaf).toMatchObject({ kind: 'compare', value: q.slice(0, 200) });
    },
  );

  it('combines conditions with parentheses', () => {
    expect(allOf([undefined, 'active eq true'])).toBe('active eq true');
    expect(allOf(['a pr', 'b pr'])).toBe('(a pr) and (b pr)');
    expect(allOf([])).toBeUndefined();
    expect(() => parseFilter(allOf([searchFilter('x'), 'active eq false', 'groups.value eq "g"'])!)).not.toThrow();
  });
});

describe('names and edits', () => {
  it.each([
    [{ userName: 'u', displayName: 'Display' }, 'Display'],
    [{ userName: 'u', name: { formatted: 'Formatted Name' } }, 'Formatted Name'],
    [{ userName: 'u', name: { givenName: 'Given', familyName: 'Family' } }, 'Given Family'],
    [{ userName: 'u', displayName: '   ' }, 'u'],
    [{ userName: 'u', name: 'not an object' }, 'u'],
  ])('shows %j as %s', (user, name) => {
    expect(personName(user)).toBe(name);
  });

  const current = {
    userName: 'jane@x',
    name: { givenName: 'Jane' },
    emails: [{ value: 'old@x', type: 'home' }, { value: 'jane@x', type: 'work', primary: true }],
    title: 'Engineer',
  };
  const form = { userName: 'jane@x', givenName: 'Jane', familyName: '', displayName: '', email: 'jane@x', title: 'Engineer' };

  it('changes nothing when nothing changed', () => {
    expect(editOperations(current, form)).toEqual([]);
  });

  it('replaces and removes only what changed, and edits the primary email in place', () => {
    expect(editOperations(current, { ...form, givenName: 'Janet', title: '', email: 'janet@x' })).toEqual([
      { op: 'replace', path: 'name.givenName', value: 'Janet' },
      { op: 'remove', path: 'title' },
      { op: 'replace', path: 'emails', value: [{ value: 'old@x', type: 'home' }, { value: 'janet@x', type: 'work', primary: true }] },
    ]);
  });

  it('adds a first email and removes the last one', () => {
    expect(editOperations({ userName: 'a' }, { ...form, userName: 'a', givenName: '', title: '', email: 'a@x' })).toEqual([
      { op: 'replace', path: 'emails', value: [{ value: 'a@x', type: 'work', primary: true }] },
    ]);
    expect(editOperations({ userName: 'a', emails: [{ value: 'a@x' }] }, { ...form, userName: 'a', givenName: '', title: '', email: '' })).toEqual([
      { op: 'remove', path: 'emails' },
    ]);
  });
});
