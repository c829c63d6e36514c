import { describe, expect, it } from 'vitest';
import { applyPatch, type MemberChange, type PatchResult } from '../../src/protocol/patch.js';
import type { ResourceDoc } from '../../src/protocol/resource.js';
import { groupResources, userResources, type ResourceSchema } from '../../src/protocol/schema/registry.js';
import {
  CUSTOM,
  CORE_USER,
  ENTERPRISE,
  PATCH_OP,
  deepFreeze,
  expectCleanDocument,
  expectScimError,
  typedUsers,
  type ExpectedError,
} from './patch-fixtures.js';

type Op = Record<string, unknown>;
const USER_ID = '2819c223-7f76-453a-919d-413861904646';
const GROUP_ID = 'e9e30dba-f08f-4109-8486-d5c6a331660a';
const BABS = '2819c223-7f76-453a-919d-413861904646';
const JAMES = '08e1d05d-121c-4561-8b96-473d93df9210';

const body = (operations: Op[]) => ({ schemas: [PATCH_OP], Operations: operations });

function patch(current: ResourceDoc, operations: Op[], schema: ResourceSchema = userResources): PatchResult {
  const frozen = deepFreeze(structuredClone(current));
  const id = schema === groupResources ? GROUP_ID : USER_ID;
  return applyPatch(schema, frozen, body(operations), { resourceId: id });
}

// --- documents, fresh for each case ---
const jane = (): ResourceDoc => ({
  userName: 'jane@example.com',
  externalId: '00ujl29u0le5T6Aj10h7',
  name: { givenName: 'Jane', familyName: 'Doe' },
  displayName: 'Jane Doe',
  active: true,
  emails: [{ value: 'jane@example.com', type: 'work', primary: true }],
});
const babs = (): ResourceDoc => ({
  userName: 'bjensen',
  nickName: 'Barbara',
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  addresses: [
    { type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'US', primary: true },
    { type: 'home', streetAddress: '456 Hollywood Blvd', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'US' },
  ],
});
const bare = (): ResourceDoc => ({ userName: 'jane@example.com' });
const engineering = (): ResourceDoc => ({ displayName: 'Engineering', externalId: 'okta-g1' });
const withEnterprise = (ext: Record<string, unknown>): ResourceDoc => ({ ...bare(), [ENTERPRISE]: ext });

interface Case {
  name: string;
  schema?: ResourceSchema;
  current: () => ResourceDoc;
  ops: Op[];
  /** The expected document; omitted: unchanged. */
  doc?: ResourceDoc;
  members?: MemberChange[];
  password?: string;
  changed?: boolean;
}

const rfcExamples: Case[] = [
  {
    name: '3.5.2.1 add a member to a group',
    schema: groupResources,
    current: engineering,
    ops: [
      {
        op: 'add',
        path: 'members',
        value: [{ display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS}`, value: BABS }],
      },
    ],
    members: [{ op: 'add', members: [{ value: BABS }] }],
    changed: true,
  },
  {
    name: '3.5.2.1 add without a path (emails and nickname)',
    current: babs,
    ops: [{ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }, { value: 'b@x.org', type: 'other' }], nickname: 'Babs' } }],
    doc: {
      ...babs(),
      nickName: 'Babs',
      emails: [...(babs().emails as unknown[]), { value: 'b@x.org', type: 'other' }],
    },
  },
  {
    name: '3.5.2.2 remove all members',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path: 'members' }],
    members: [{ op: 'removeAll' }],
    changed: true,
  },
  {
    name: '3.5.2.2 remove one member',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path: `members[value eq "${BABS}"]` }],
    members: [{ op: 'remove', ids: [BABS] }],
  },
  {
    name: '3.5.2.2 remove the values a complex filter selects',
    current: () => ({
      ...babs(),
      emails: [
        { value: 'bjensen@example.com', type: 'work' },
        { value: 'b@example.org', type: 'work' },
        { value: 'x@example.com', type: 'home' },
      ],
    }),
    ops: [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }],
    doc: { ...babs(), emails: [{ value: 'b@example.org', type: 'work' }, { value: 'x@example.com', type: 'home' }] },
  },
  {
    name: '3.5.2.2 remove a member and add another',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'remove', path: `members[value eq"${BABS}"]` },
      { op: 'add', path: 'members', value: [{ display: 'James Smith', $ref: `https://example.com/v2/Users/${JAMES}`, value: JAMES }] },
    ],
    members: [
      { op: 'remove', ids: [BABS] },
      { op: 'add', members: [{ value: JAMES }] },
    ],
  },
  {
    name: '3.5.2.2 remove all members, then add',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'remove', path: 'members' },
      {
        op: 'add',
        path: 'members',
        value: [
          { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS}`, value: BABS },
          { display: 'James Smith', $ref: `https://example.com/v2/Users/${JAMES}`, value: JAMES },
        ],
      },
    ],
    members: [{ op: 'removeAll' }, { op: 'add', members: [{ value: BABS }, { value: JAMES }] }],
  },
  {
    name: '3.5.2.3 replace all members',
    schema: groupResources,
    current: engineering,
    ops: [
      {
        op: 'replace',
        path: 'members',
        value: [
          { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS}`, value: BABS },
          { display: 'James Smith', $ref: `https://example.com/v2/Users/${JAMES}`, value: JAMES },
        ],
      },
    ],
    members: [{ op: 'replace', members: [{ value: BABS }, { value: JAMES }] }],
  },
  {
    name: '3.5.2.3 replace the work address',
    current: babs,
    ops: [
      {
        op: 'replace',
        path: 'addresses[type eq "work"]',
        value: {
          type: 'work',
          streetAddress: '911 Universal City Plaza',
          locality: 'Hollywood',
          postalCode: '91608',
          country: 'US',
          formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
          primary: true,
        },
      },
    ],
    doc: {
      ...babs(),
      addresses: [
        // replaced, not merged: the old region is gone
        {
          type: 'work',
          streetAddress: '911 Universal City Plaza',
          locality: 'Hollywood',
          postalCode: '91608',
          country: 'US',
          formatted: '911 Universal City Plaza\nHollywood, CA 91608 US',
          primary: true,
        },
        (babs().addresses as unknown[])[1],
      ],
    },
  },
  {
    name: '3.5.2.3 replace one sub-attribute of the work address',
    current: babs,
    ops: [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }],
    doc: {
      ...babs(),
      addresses: [{ ...(babs().addresses as Record<string, unknown>[])[0], streetAddress: '1010 Broadway Ave' }, (babs().addresses as unknown[])[1]],
    },
  },
  {
    name: '3.5.2.3 replace several attributes without a path',
    current: babs,
    ops: [
      {
        op: 'replace',
        value: {
          emails: [
            { value: 'bjensen@example.com', type: 'work', primary: true },
            { value: 'babs@jensen.org', type: 'home' },
          ],
          nickname: 'Babs',
        },
      },
    ],
    doc: { ...babs(), nickName: 'Babs' },
  },
  {
    name: '3.5.2.3 replace without a path replaces a whole multi-valued attribute',
    current: babs,
    ops: [{ op: 'replace', value: { emails: [{ value: 'only@example.com', type: 'work' }] } }],
    doc: { ...babs(), emails: [{ value: 'only@example.com', type: 'work' }] },
  },
  {
    name: '3.5.2.2 remove a single-valued attribute',
    current: babs,
    ops: [{ op: 'remove', path: 'nickName' }],
    doc: (({ nickName: _n, ...rest }) => rest)(babs()),
  },
  {
    name: '3.5.2.2 remove an extension attribute by its URN path',
    current: () => withEnterprise({ employeeNumber: '7', costCenter: 'cc' }),
    ops: [{ op: 'remove', path: `${ENTERPRISE}:employeeNumber` }],
    doc: withEnterprise({ costCenter: 'cc' }),
  },
  {
    name: '3.5.2.1 add to a single-valued attribute replaces it',
    current: babs,
    ops: [{ op: 'add', path: 'nickName', value: 'Babsy' }],
    doc: { ...babs(), nickName: 'Babsy' },
  },
  {
    name: '3.5.2.1 a value already present is not added again',
    current: babs,
    ops: [{ op: 'add', path: 'emails', value: [{ type: 'home', value: 'babs@jensen.org' }] }],
    changed: false,
  },
  {
    name: '3.5.2.3 replace on an absent attribute adds it',
    current: bare,
    ops: [{ op: 'replace', path: 'title', value: 'Tour Guide' }],
    doc: { ...bare(), title: 'Tour Guide' },
  },
];

const oktaCases: Case[] = [
  {
    name: 'Okta deactivate: no-path replace with an object value',
    current: jane,
    ops: [{ op: 'replace', value: { active: false } }],
    doc: { ...jane(), active: false },
    changed: true,
  },
  {
    name: 'Okta reactivate',
    current: () => ({ ...jane(), active: false }),
    ops: [{ op: 'replace', value: { active: true } }],
    doc: jane(),
  },
  {
    name: 'Okta password change: no-path replace with password',
    current: jane,
    ops: [{ op: 'replace', value: { password: 'N3w-Secret!' } }],
    password: 'N3w-Secret!',
    changed: true,
  },
  {
    name: 'Okta group rename carrying the group id',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'replace', value: { id: GROUP_ID, displayName: 'Platform Engineering' } }],
    doc: { ...engineering(), displayName: 'Platform Engineering' },
  },
  {
    name: 'Okta group membership: remove by filter, add with display and no type',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'remove', path: 'members[value eq "00u1"]' },
      { op: 'add', path: 'members', value: [{ value: '00u2', display: 'jane@example.com' }] },
    ],
    members: [
      { op: 'remove', ids: ['00u1'] },
      { op: 'add', members: [{ value: '00u2' }] },
    ],
  },
  {
    name: 'Okta rename plus membership in one PATCH',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'replace', value: { id: GROUP_ID, displayName: 'Eng' } },
      { op: 'add', path: 'members', value: [{ value: '00u2', display: 'x' }] },
    ],
    doc: { ...engineering(), displayName: 'Eng' },
    members: [{ op: 'add', members: [{ value: '00u2' }] }],
  },
  {
    name: 'Okta replace of the full member list',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }] }],
    members: [{ op: 'replace', members: [{ value: 'a' }, { value: 'b' }] }],
  },
];

const entraCases: Case[] = [
  {
    name: 'Entra Replace active "False"',
    current: jane,
    ops: [{ op: 'Replace', path: 'active', value: 'False' }],
    doc: { ...jane(), active: false },
  },
  {
    name: 'Entra Replace active "True" on an active user changes nothing',
    current: jane,
    ops: [{ op: 'Replace', path: 'active', value: 'True' }],
    changed: false,
  },
  {
    name: 'Entra Add active "FALSE"',
    current: jane,
    ops: [{ op: 'Add', path: 'active', value: 'FALSE' }],
    doc: { ...jane(), active: false },
  },
  {
    name: 'Entra one op per attribute',
    current: jane,
    ops: [
      { op: 'Replace', path: 'displayName', value: 'Jane Q. Doe' },
      { op: 'Replace', path: 'name.givenName', value: 'Janet' },
      { op: 'Add', path: 'title', value: 'Engineer' },
    ],
    doc: { ...jane(), displayName: 'Jane Q. Doe', name: { givenName: 'Janet', familyName: 'Doe' }, title: 'Engineer' },
  },
  {
    name: 'Entra aadOptscim062020: no-path replace with dotted and URN keys',
    current: jane,
    ops: [
      {
        op: 'replace',
        value: {
          displayName: 'x',
          'name.givenName': 'y',
          [`${ENTERPRISE}:employeeNumber`]: '7',
          active: false,
        },
      },
    ],
    doc: { ...jane(), displayName: 'x', name: { givenName: 'y', familyName: 'Doe' }, active: false, [ENTERPRISE]: { employeeNumber: '7' } },
  },
  {
    name: 'Entra no-path with URN-qualified core keys',
    current: jane,
    ops: [{ op: 'replace', value: { [`${CORE_USER}:name.givenName`]: 'J', [`${CORE_USER}:displayName`]: 'J D' } }],
    doc: { ...jane(), displayName: 'J D', name: { givenName: 'J', familyName: 'Doe' } },
  },
  {
    name: 'Entra no-path with a URN-qualified extension sub-attribute',
    current: jane,
    ops: [{ op: 'add', value: { [`${ENTERPRISE}:manager.value`]: 'm1' } }],
    doc: { ...jane(), [ENTERPRISE]: { manager: { value: 'm1' } } },
  },
  {
    name: 'Entra emails[type eq "work"].value replace creates the work email',
    current: bare,
    ops: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'jane@contoso.com' }],
    doc: { ...bare(), emails: [{ type: 'work', value: 'jane@contoso.com' }] },
  },
  {
    name: 'Entra emails[type eq "work"].value add creates it next to a home email',
    current: () => ({ ...bare(), emails: [{ type: 'home', value: 'j@home.example' }] }),
    ops: [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'jane@contoso.com' }],
    doc: { ...bare(), emails: [{ type: 'home', value: 'j@home.example' }, { type: 'work', value: 'jane@contoso.com' }] },
  },
  {
    name: 'Entra emails[type eq "work"].value replace updates the existing one only',
    current: jane,
    ops: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'jane@contoso.com' }],
    doc: { ...jane(), emails: [{ value: 'jane@contoso.com', type: 'work', primary: true }] },
  },
  {
    name: 'Entra filter attribute and value match case-insensitively (caseExact false)',
    current: () => ({ ...bare(), emails: [{ type: 'Work', value: 'a@x' }] }),
    ops: [{ op: 'Replace', path: 'EMAILS[TYPE eq "work"].VALUE', value: 'b@x' }],
    doc: { ...bare(), emails: [{ type: 'Work', value: 'b@x' }] },
  },
  {
    name: 'Entra addresses[type eq "work"].formatted creates the work address',
    current: bare,
    ops: [{ op: 'Add', path: 'addresses[type eq "work"].formatted', value: '1 Main St\nRedmond' }],
    doc: { ...bare(), addresses: [{ type: 'work', formatted: '1 Main St\nRedmond' }] },
  },
  {
    name: 'Entra addresses[type eq "work"] sub-attributes one op at a time',
    current: bare,
    ops: [
      { op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
      { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Redmond' },
      { op: 'Add', path: 'addresses[type eq "work"].country', value: 'US' },
    ],
    doc: { ...bare(), addresses: [{ type: 'work', streetAddress: '1 Main St', locality: 'Redmond', country: 'US' }] },
  },
  {
    name: 'Entra phoneNumbers[type eq "mobile"].value and fax',
    current: () => ({ ...bare(), phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }] }),
    ops: [
      { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0199' },
      { op: 'Add', path: 'phoneNumbers[type eq "fax"].value', value: '+1 555 0111' },
    ],
    doc: {
      ...bare(),
      phoneNumbers: [
        { type: 'mobile', value: '+1 555 0199' },
        { type: 'fax', value: '+1 555 0111' },
      ],
    },
  },
  {
    name: 'Entra Remove phoneNumbers[type eq "fax"].value leaves the labelled element',
    current: () => ({ ...bare(), phoneNumbers: [{ type: 'fax', value: '1' }, { type: 'mobile', value: '2' }] }),
    ops: [{ op: 'Remove', path: 'phoneNumbers[type eq "fax"].value' }],
    doc: { ...bare(), phoneNumbers: [{ type: 'fax' }, { type: 'mobile', value: '2' }] },
  },
  {
    name: 'Entra manager as a bare id string',
    current: bare,
    ops: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm-1' }],
    doc: withEnterprise({ manager: { value: 'm-1' } }),
  },
  {
    name: 'Entra manager as {value}',
    current: bare,
    ops: [{ op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: 'm-1' } }],
    doc: withEnterprise({ manager: { value: 'm-1' } }),
  },
  {
    name: 'Entra manager as [{"$ref":null,"value":id}] replaces a previous manager and its $ref',
    current: () => withEnterprise({ manager: { value: 'm-0', $ref: '../Users/m-0' }, department: 'd' }),
    ops: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: [{ $ref: null, value: 'm-1' }] }],
    doc: withEnterprise({ manager: { value: 'm-1' }, department: 'd' }),
  },
  {
    name: 'Entra manager path in lower case',
    current: bare,
    ops: [{ op: 'Add', path: `${ENTERPRISE.toLowerCase()}:MANAGER`, value: 'm-1' }],
    doc: withEnterprise({ manager: { value: 'm-1' } }),
  },
  {
    name: 'Entra manager removal',
    current: () => withEnterprise({ manager: { value: 'm-1' }, department: 'd' }),
    ops: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    doc: withEnterprise({ department: 'd' }),
  },
  {
    name: 'Entra manager removal drops an emptied extension block',
    current: () => withEnterprise({ manager: { value: 'm-1' } }),
    ops: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    doc: bare(),
  },
  {
    name: 'Entra manager removal when there is none changes nothing',
    current: bare,
    ops: [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    changed: false,
  },
  {
    name: 'Entra manager.value path',
    current: bare,
    ops: [{ op: 'Replace', path: `${ENTERPRISE}:manager.value`, value: 'm-2' }],
    doc: withEnterprise({ manager: { value: 'm-2' } }),
  },
  {
    name: 'Entra roles with JSON inside a string',
    current: bare,
    ops: [{ op: 'Add', path: 'roles', value: [{ value: '{"id":"7a1","value":"Admin","displayName":"Admin"}' }] }],
    doc: { ...bare(), roles: [{ value: '{"id":"7a1","value":"Admin","displayName":"Admin"}' }] },
  },
  {
    name: 'Entra roles with string primary and a custom type',
    current: bare,
    ops: [{ op: 'Add', path: 'roles', value: [{ primary: 'False', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] }],
    doc: { ...bare(), roles: [{ primary: false, type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' }] },
  },
  {
    name: 'Entra group member add',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'Add', path: 'members', value: [{ value: 'u-1' }] }],
    members: [{ op: 'add', members: [{ value: 'u-1' }] }],
  },
  {
    name: 'Entra default member removal by value list',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'Remove', path: 'members', value: [{ value: 'u-1' }, { value: 'u-2' }] }],
    members: [{ op: 'remove', ids: ['u-1', 'u-2'] }],
  },
  {
    name: 'Entra newer member removal by filter',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path: 'members[value eq "u-1"]' }],
    members: [{ op: 'remove', ids: ['u-1'] }],
  },
  {
    name: 'Entra group rename and externalId',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'Replace', path: 'displayName', value: 'Sales' },
      { op: 'Replace', path: 'externalId', value: 'a1b2' },
    ],
    doc: { displayName: 'Sales', externalId: 'a1b2' },
  },
  {
    name: 'JumpCloud member add and remove with value lists',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'add', path: 'members', value: [{ value: 'u-3' }] },
      { op: 'remove', path: 'members', value: [{ value: 'u-1' }] },
    ],
    members: [
      { op: 'add', members: [{ value: 'u-3' }] },
      { op: 'remove', ids: ['u-1'] },
    ],
  },
];

const semantics: Case[] = [
  // add / replace on multi-valued attributes
  {
    name: 'add one object (not a list) to a multi-valued attribute',
    current: jane,
    ops: [{ op: 'add', path: 'emails', value: { value: 'j@home.example', type: 'home' } }],
    doc: { ...jane(), emails: [...(jane().emails as unknown[]), { value: 'j@home.example', type: 'home' }] },
  },
  {
    name: 'add a new primary email: the old primary becomes false',
    current: jane,
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'j@new.example', type: 'work', primary: true }] }],
    doc: {
      ...jane(),
      emails: [
        { value: 'jane@example.com', type: 'work', primary: false },
        { value: 'j@new.example', type: 'work', primary: true },
      ],
    },
  },
  {
    name: 'make another element primary through a filter',
    current: babs,
    ops: [{ op: 'replace', path: 'emails[type eq "home"].primary', value: true }],
    doc: {
      ...babs(),
      emails: [
        { value: 'bjensen@example.com', type: 'work', primary: false },
        { value: 'babs@jensen.org', type: 'home', primary: true },
      ],
    },
  },
  {
    name: 'replace a multi-valued attribute with an empty list removes it',
    current: jane,
    ops: [{ op: 'replace', path: 'emails', value: [] }],
    doc: (({ emails: _e, ...rest }) => rest)(jane()),
  },
  {
    name: 'replace a multi-valued attribute with null removes it',
    current: jane,
    ops: [{ op: 'replace', path: 'emails', value: null }],
    doc: (({ emails: _e, ...rest }) => rest)(jane()),
  },
  {
    name: 'add an empty list changes nothing',
    current: jane,
    ops: [{ op: 'add', path: 'emails', value: [] }],
    changed: false,
  },
  {
    name: 'a sub-attribute of every element (no filter)',
    current: babs,
    ops: [{ op: 'replace', path: 'emails.type', value: 'other' }],
    doc: {
      ...babs(),
      emails: [
        { value: 'bjensen@example.com', type: 'other', primary: true },
        { value: 'babs@jensen.org', type: 'other' },
      ],
    },
  },
  {
    name: 'remove a sub-attribute of every element',
    current: babs,
    ops: [{ op: 'remove', path: 'emails.type' }],
    doc: { ...babs(), emails: [{ value: 'bjensen@example.com', primary: true }, { value: 'babs@jensen.org' }] },
  },
  {
    name: 'elements that become equal merge into one',
    current: () => ({ ...bare(), emails: [{ value: 'a', type: 'work' }, { value: 'a', type: 'home' }] }),
    ops: [{ op: 'remove', path: 'emails.type' }],
    doc: { ...bare(), emails: [{ value: 'a' }] },
  },
  {
    name: 'remove listed elements of a multi-valued attribute by value (caseExact false)',
    current: babs,
    ops: [{ op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org' }] }],
    doc: { ...babs(), emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }] },
  },
  {
    name: 'remove listed elements that are not there changes nothing',
    current: babs,
    ops: [{ op: 'remove', path: 'emails', value: [{ value: 'nobody@x' }] }],
    changed: false,
  },
  {
    name: 'remove the last listed element removes the attribute',
    current: jane,
    ops: [{ op: 'remove', path: 'emails', value: { value: 'jane@example.com' } }],
    doc: (({ emails: _e, ...rest }) => rest)(jane()),
  },
  // filtered targets
  {
    name: 'filtered add merges the object into matching elements',
    current: babs,
    ops: [{ op: 'add', path: 'emails[type eq "home"]', value: { display: 'Babs at home' } }],
    doc: { ...babs(), emails: [(babs().emails as unknown[])[0], { value: 'babs@jensen.org', type: 'home', display: 'Babs at home' }] },
  },
  {
    name: 'filtered replace keeps the filter eq values in the replacement',
    current: babs,
    ops: [{ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'babs@home.example' } }],
    doc: { ...babs(), emails: [(babs().emails as unknown[])[0], { type: 'home', value: 'babs@home.example' }] },
  },
  {
    name: 'filtered replace that matches nothing creates the element',
    current: babs,
    ops: [{ op: 'replace', path: 'emails[type eq "other"]', value: { value: 'o@x' } }],
    doc: { ...babs(), emails: [...(babs().emails as unknown[]), { type: 'other', value: 'o@x' }] },
  },
  {
    name: 'filtered sub-attribute create from two eq clauses',
    current: bare,
    ops: [{ op: 'replace', path: 'emails[type eq "work" and primary eq true].value', value: 'w@x' }],
    doc: { ...bare(), emails: [{ type: 'work', primary: true, value: 'w@x' }] },
  },
  {
    name: 'created primary element clears the old primary',
    current: jane,
    ops: [{ op: 'add', path: 'emails[type eq "home" and primary eq true].value', value: 'h@x' }],
    doc: {
      ...jane(),
      emails: [
        { value: 'jane@example.com', type: 'work', primary: false },
        { type: 'home', primary: true, value: 'h@x' },
      ],
    },
  },
  {
    name: 'filtered replace on several matching elements changes all',
    current: () => ({ ...bare(), phoneNumbers: [{ type: 'work', value: '1' }, { type: 'work', value: '2' }, { type: 'home', value: '3' }] }),
    ops: [{ op: 'replace', path: 'phoneNumbers[type eq "work"].display', value: 'desk' }],
    doc: {
      ...bare(),
      phoneNumbers: [
        { type: 'work', value: '1', display: 'desk' },
        { type: 'work', value: '2', display: 'desk' },
        { type: 'home', value: '3' },
      ],
    },
  },
  {
    name: 'filtered remove that matches nothing changes nothing',
    current: babs,
    ops: [{ op: 'remove', path: 'emails[value eq "nobody@x"]' }],
    changed: false,
  },
  {
    name: 'filtered remove of every element removes the attribute',
    current: jane,
    ops: [{ op: 'remove', path: 'emails[value pr]' }],
    doc: (({ emails: _e, ...rest }) => rest)(jane()),
  },
  {
    name: 'filtered replace with null removes the matching sub-attribute',
    current: babs,
    ops: [{ op: 'replace', path: 'emails[type eq "home"].type', value: null }],
    doc: { ...babs(), emails: [(babs().emails as unknown[])[0], { value: 'babs@jensen.org' }] },
  },
  {
    name: 'filtered add of null changes nothing',
    current: babs,
    ops: [{ op: 'add', path: 'emails[type eq "other"].value', value: null }],
    changed: false,
  },
  {
    name: 'filters with not, or and co select elements',
    current: () => ({ ...bare(), emails: [{ value: 'a@x.com', type: 'work' }, { value: 'b@y.org', type: 'home' }, { value: 'c@z.net' }] }),
    ops: [{ op: 'remove', path: 'emails[not (type eq "work") and (value co "y." or value ew ".net")]' }],
    doc: { ...bare(), emails: [{ value: 'a@x.com', type: 'work' }] },
  },
  {
    name: 'filter on a boolean sub-attribute',
    current: babs,
    ops: [{ op: 'replace', path: 'emails[primary eq true].display', value: 'main' }],
    doc: { ...babs(), emails: [{ value: 'bjensen@example.com', type: 'work', primary: true, display: 'main' }, (babs().emails as unknown[])[1]] },
  },
  // complex single-valued
  {
    name: 'add to a complex attribute merges sub-attributes',
    current: jane,
    ops: [{ op: 'add', path: 'name', value: { middleName: 'Q', honorificPrefix: 'Dr.' } }],
    doc: { ...jane(), name: { givenName: 'Jane', familyName: 'Doe', middleName: 'Q', honorificPrefix: 'Dr.' } },
  },
  {
    name: 'replace on a complex attribute merges too (RFC 7644 3.5.2.3)',
    current: jane,
    ops: [{ op: 'replace', path: 'name', value: { givenName: 'Janet' } }],
    doc: { ...jane(), name: { givenName: 'Janet', familyName: 'Doe' } },
  },
  {
    name: 'a null sub-attribute in a complex replace clears it',
    current: jane,
    ops: [{ op: 'replace', path: 'name', value: { givenName: null, middleName: 'Q' } }],
    doc: { ...jane(), name: { familyName: 'Doe', middleName: 'Q' } },
  },
  {
    name: 'a complex replace with null removes the attribute',
    current: jane,
    ops: [{ op: 'replace', path: 'name', value: null }],
    doc: (({ name: _n, ...rest }) => rest)(jane()),
  },
  {
    name: 'a complex add with null changes nothing',
    current: jane,
    ops: [{ op: 'add', path: 'name', value: null }],
    changed: false,
  },
  {
    name: 'no-path replace of a complex attribute merges',
    current: jane,
    ops: [{ op: 'replace', value: { name: { familyName: 'Smith' } } }],
    doc: { ...jane(), name: { givenName: 'Jane', familyName: 'Smith' } },
  },
  {
    name: 'sub-attribute path creates the complex attribute',
    current: bare,
    ops: [{ op: 'add', path: 'name.familyName', value: 'Doe' }],
    doc: { ...bare(), name: { familyName: 'Doe' } },
  },
  {
    name: 'remove a sub-attribute',
    current: jane,
    ops: [{ op: 'remove', path: 'name.givenName' }],
    doc: { ...jane(), name: { familyName: 'Doe' } },
  },
  {
    name: 'removing the last sub-attribute removes the attribute',
    current: () => ({ ...bare(), name: { givenName: 'J' } }),
    ops: [{ op: 'remove', path: 'name.givenName' }],
    doc: bare(),
  },
  {
    name: 'replace a sub-attribute with null removes it',
    current: jane,
    ops: [{ op: 'replace', path: 'name.familyName', value: null }],
    doc: { ...jane(), name: { givenName: 'Jane' } },
  },
  {
    name: 'readOnly sub-attributes in a value are dropped (manager.displayName)',
    current: bare,
    ops: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm', displayName: 'Boss' } }],
    doc: withEnterprise({ manager: { value: 'm' } }),
  },
  // simple attributes, names, values
  {
    name: 'paths are case-insensitive',
    current: jane,
    ops: [{ op: 'replace', path: 'USERNAME', value: 'JANE@example.com' }, { op: 'replace', path: 'Name.GivenName', value: 'J' }],
    doc: { ...jane(), userName: 'JANE@example.com', name: { givenName: 'J', familyName: 'Doe' } },
  },
  {
    name: 'URN-qualified core path',
    current: jane,
    ops: [{ op: 'replace', path: `${CORE_USER}:displayName`, value: 'JD' }],
    doc: { ...jane(), displayName: 'JD' },
  },
  {
    name: 'replace a simple attribute with null removes it',
    current: jane,
    ops: [{ op: 'replace', path: 'displayName', value: null }],
    doc: (({ displayName: _d, ...rest }) => rest)(jane()),
  },
  {
    name: 'add a simple attribute with null changes nothing',
    current: jane,
    ops: [{ op: 'add', path: 'displayName', value: null }],
    changed: false,
  },
  {
    name: 'replace with the same value changes nothing',
    current: jane,
    ops: [{ op: 'replace', value: { displayName: 'Jane Doe', active: true, name: { givenName: 'Jane' } } }],
    changed: false,
  },
  {
    name: 'externalId is an ordinary attribute',
    current: jane,
    ops: [{ op: 'replace', path: 'externalId', value: 'new-ext' }],
    doc: { ...jane(), externalId: 'new-ext' },
  },
  {
    name: 'operations apply in order',
    current: jane,
    ops: [
      { op: 'add', path: 'title', value: 'A' },
      { op: 'replace', path: 'title', value: 'B' },
      { op: 'remove', path: 'title' },
      { op: 'add', path: 'nickName', value: 'J' },
    ],
    doc: { ...jane(), nickName: 'J' },
  },
  {
    name: 'a change undone in the same PATCH is no change',
    current: jane,
    ops: [
      { op: 'replace', path: 'active', value: false },
      { op: 'replace', path: 'active', value: true },
    ],
    changed: false,
  },
  // leniency
  {
    name: 'unknown path is ignored',
    current: jane,
    ops: [{ op: 'replace', path: 'favouriteColour', value: 'blue' }],
    changed: false,
  },
  {
    name: 'unknown extension path is ignored',
    current: jane,
    ops: [{ op: 'add', path: 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:costCenter', value: 'x' }],
    changed: false,
  },
  {
    name: 'unknown sub-attribute after a filter is ignored',
    current: jane,
    ops: [{ op: 'replace', path: 'emails[type eq "work"].label', value: 'x' }],
    changed: false,
  },
  {
    name: 'unknown no-path keys are ignored, known ones applied',
    current: jane,
    ops: [{ op: 'replace', value: { favouriteColour: 'blue', 'urn:acme:x:attr': 1, title: 'T' } }],
    doc: { ...jane(), title: 'T' },
  },
  {
    name: 'no-path keys schemas and meta are ignored',
    current: jane,
    ops: [{ op: 'replace', value: { schemas: [CORE_USER], meta: { lastModified: 'x' }, title: 'T' } }],
    doc: { ...jane(), title: 'T' },
  },
  {
    name: 'no-path id equal to the resource id is ignored (any key case)',
    current: jane,
    ops: [{ op: 'replace', value: { ID: USER_ID, title: 'T' } }],
    doc: { ...jane(), title: 'T' },
  },
  {
    name: 'op names in any case',
    current: jane,
    ops: [
      { op: 'ADD', path: 'title', value: 'T' },
      { op: 'rEpLaCe', path: 'nickName', value: 'N' },
      { op: 'REMOVE', path: 'displayName' },
    ],
    doc: (({ displayName: _d, ...rest }) => ({ ...rest, title: 'T', nickName: 'N' }))(jane()),
  },
  {
    name: 'member keys op/path/value in any case',
    current: jane,
    ops: [{ Op: 'replace', Path: 'title', Value: 'T' }],
    doc: { ...jane(), title: 'T' },
  },
  {
    name: 'an empty path counts as no path',
    current: jane,
    ops: [{ op: 'replace', path: '', value: { title: 'T' } }],
    doc: { ...jane(), title: 'T' },
  },
  {
    name: 'a null path counts as no path',
    current: jane,
    ops: [{ op: 'add', path: null, value: { title: 'T' } }],
    doc: { ...jane(), title: 'T' },
  },
  // extensions
  {
    name: 'no-path add with an extension block',
    current: jane,
    ops: [{ op: 'add', value: { [ENTERPRISE]: { employeeNumber: '7', manager: 'm1', unknownThing: 1 } } }],
    doc: { ...jane(), [ENTERPRISE]: { employeeNumber: '7', manager: { value: 'm1' } } },
  },
  {
    name: 'replace on the whole extension merges attributes',
    current: () => withEnterprise({ employeeNumber: '7', department: 'd' }),
    ops: [{ op: 'replace', path: ENTERPRISE, value: { department: 'e', costCenter: 'c' } }],
    doc: withEnterprise({ employeeNumber: '7', department: 'e', costCenter: 'c' }),
  },
  {
    name: 'remove the whole extension',
    current: () => withEnterprise({ employeeNumber: '7', manager: { value: 'm' } }),
    ops: [{ op: 'remove', path: ENTERPRISE.toLowerCase() }],
    doc: bare(),
  },
  {
    name: 'replace the whole extension with null removes it',
    current: () => withEnterprise({ employeeNumber: '7' }),
    ops: [{ op: 'replace', path: ENTERPRISE, value: null }],
    doc: bare(),
  },
  {
    name: 'extension attribute path',
    current: bare,
    ops: [{ op: 'replace', path: `${ENTERPRISE}:department`, value: 'R&D' }],
    doc: withEnterprise({ department: 'R&D' }),
  },
  // password
  {
    name: 'password by path',
    current: jane,
    ops: [{ op: 'replace', path: 'password', value: 's3cret' }],
    password: 's3cret',
    changed: true,
  },
  {
    name: 'the last password wins',
    current: jane,
    ops: [
      { op: 'add', path: 'PASSWORD', value: 'one' },
      { op: 'replace', value: { password: 'two' } },
    ],
    password: 'two',
  },
  // custom types and immutability
  {
    name: 'an immutable attribute may be set when absent',
    schema: typedUsers,
    current: bare,
    ops: [{ op: 'add', path: `${CUSTOM}:badgeId`, value: 'B-1' }],
    doc: { ...bare(), [CUSTOM]: { badgeId: 'B-1' } },
  },
  {
    name: 'an immutable attribute may be "set" to its own value',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { badgeId: 'B-1' } }),
    ops: [{ op: 'replace', path: `${CUSTOM}:badgeId`, value: 'B-1' }],
    changed: false,
  },
  {
    name: 'integer, decimal, dateTime by path',
    schema: typedUsers,
    current: bare,
    ops: [
      { op: 'add', path: `${CUSTOM}:count`, value: 2 },
      { op: 'add', path: `${CUSTOM}:ratio`, value: 2.5 },
      { op: 'add', path: `${CUSTOM}:hiredAt`, value: '2024-05-01T00:00:00Z' },
      { op: 'add', path: `${CUSTOM}:tags`, value: ['x', 'y'] },
      { op: 'add', path: `${CUSTOM}:tags`, value: 'z' },
    ],
    doc: { ...bare(), [CUSTOM]: { count: 2, ratio: 2.5, hiredAt: '2024-05-01T00:00:00Z', tags: ['x', 'y', 'z'] } },
  },
  {
    name: 'remove listed values of a multi-valued string attribute',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { tags: ['x', 'y', 'z'] } }),
    ops: [{ op: 'remove', path: `${CUSTOM}:tags`, value: ['y', 'z'] }],
    doc: { ...bare(), [CUSTOM]: { tags: ['x'] } },
  },
  {
    name: 'the label sub-attribute of device next to an immutable model',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { device: { serial: 'S', model: 'M' } } }),
    ops: [{ op: 'replace', path: `${CUSTOM}:device`, value: { label: 'mine', model: 'M' } }],
    doc: { ...bare(), [CUSTOM]: { device: { serial: 'S', model: 'M', label: 'mine' } } },
  },
];

const groupCases: Case[] = [
  {
    name: 'members filter with or and any case of value',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path: 'members[value eq "a" or VALUE eq "b" or Value eq "a"]' }],
    members: [{ op: 'remove', ids: ['a', 'b'] }],
  },
  {
    name: 'member add with a single object',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'add', path: 'members', value: { value: 'u-1', type: 'user' } }],
    members: [{ op: 'add', members: [{ value: 'u-1', type: 'User' }] }],
  },
  {
    name: 'member add of an empty list or null changes nothing',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'add', path: 'members', value: [] },
      { op: 'add', path: 'members', value: null },
    ],
    changed: false,
  },
  {
    name: 'member removal with an empty value list changes nothing',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path: 'members', value: [] }],
    changed: false,
  },
  {
    name: 'member removal with value null removes all',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path: 'members', value: null }],
    members: [{ op: 'removeAll' }],
  },
  {
    name: 'replace members with null or [] empties the group',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'replace', path: 'members', value: null },
      { op: 'replace', path: 'members', value: [] },
    ],
    members: [
      { op: 'replace', members: [] },
      { op: 'replace', members: [] },
    ],
  },
  {
    name: 'no-path add and replace with members',
    schema: groupResources,
    current: engineering,
    ops: [
      { op: 'add', value: { members: [{ value: 'a', type: 'Group' }] } },
      { op: 'replace', value: { displayName: 'X', MEMBERS: [{ value: 'b' }] } },
    ],
    doc: { ...engineering(), displayName: 'X' },
    members: [
      { op: 'add', members: [{ value: 'a', type: 'Group' }] },
      { op: 'replace', members: [{ value: 'b' }] },
    ],
  },
  {
    name: 'member paths in any case',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'Add', path: 'MEMBERS', value: [{ VALUE: 'u-9' }] }],
    members: [{ op: 'add', members: [{ value: 'u-9' }] }],
  },
  {
    name: 'URN-qualified members path',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path: 'urn:ietf:params:scim:schemas:core:2.0:Group:members[value eq "u-1"]' }],
    members: [{ op: 'remove', ids: ['u-1'] }],
  },
  {
    name: 'repeated member ids in one add are sent once',
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'a', display: 'x' }] }],
    members: [{ op: 'add', members: [{ value: 'a' }] }],
  },
];

function check({ schema = userResources, current, ops, doc, members, password, changed }: Case): void {
  const before = current();
  const result = patch(before, ops, schema);
  expect(result.doc).toEqual(doc ?? before);
  expect(result.members).toEqual(members);
  expect(result.password).toBe(password);
  if (changed !== undefined) expect(result.changed).toBe(changed);
  else expect(result.changed).toBe(true);
  expectCleanDocument(result.doc);
}

describe('applyPatch: RFC 7644 section 3.5.2 examples', () => {
  it.each(rfcExamples)('$name', check);
});

describe('applyPatch: what Okta sends', () => {
  it.each(oktaCases)('$name', check);
});

describe('applyPatch: what Entra ID and JumpCloud send', () => {
  it.each(entraCases)('$name', check);
});

describe('applyPatch: semantics', () => {
  it.each(semantics)('$name', check);
});

describe('applyPatch: group members', () => {
  it.each(groupCases)('$name', check);

  it('never needs the member list: the document holds none', () => {
    const result = patch(engineering(), [{ op: 'remove', path: 'members[value eq "x"]' }], groupResources);
    expect(result.doc).not.toHaveProperty('members');
  });
});

interface ErrorCase extends ExpectedError {
  name: string;
  schema?: ResourceSchema;
  current?: () => ResourceDoc;
  ops?: Op[];
  body?: unknown;
}

const errors: ErrorCase[] = [
  // the message
  { name: 'body not an object', body: [], scimType: 'invalidSyntax' },
  { name: 'body null', body: null, scimType: 'invalidSyntax' },
  { name: 'schemas missing', body: { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, scimType: 'invalidSyntax', detail: PATCH_OP },
  { name: 'schemas a string', body: { schemas: PATCH_OP, Operations: [{ op: 'add', path: 'title', value: 'x' }] }, scimType: 'invalidSyntax' },
  { name: 'schemas without PatchOp', body: { schemas: [CORE_USER], Operations: [{ op: 'add', path: 'title', value: 'x' }] }, scimType: 'invalidSyntax' },
  { name: 'Operations missing', body: { schemas: [PATCH_OP] }, scimType: 'invalidSyntax', detail: 'Operations' },
  { name: 'Operations empty', body: { schemas: [PATCH_OP], Operations: [] }, scimType: 'invalidSyntax', detail: 'Operations' },
  { name: 'Operations an object', body: { schemas: [PATCH_OP], Operations: { op: 'add' } }, scimType: 'invalidSyntax' },
  { name: 'an operation not an object', ops: ['add' as unknown as Op], scimType: 'invalidSyntax', detail: 'Operations[0]' },
  { name: 'op missing', ops: [{ path: 'title', value: 'x' }], scimType: 'invalidSyntax', detail: 'Operations[0].op' },
  { name: 'op unknown', ops: [{ op: 'update', path: 'title', value: 'x' }], scimType: 'invalidSyntax', detail: 'Operations[0].op' },
  { name: 'op a number', ops: [{ op: 1, path: 'title', value: 'x' }], scimType: 'invalidSyntax' },
  { name: 'op "add " with a space', ops: [{ op: 'add ', path: 'title', value: 'x' }], scimType: 'invalidSyntax' },
  { name: 'second op unknown', ops: [{ op: 'add', path: 'title', value: 'x' }, { op: 'move' }], scimType: 'invalidSyntax', detail: 'Operations[1].op' },
  { name: 'path a number', ops: [{ op: 'add', path: 5, value: 'x' }], scimType: 'invalidPath' },
  { name: 'path malformed', ops: [{ op: 'add', path: 'emails[type eq', value: 'x' }], scimType: 'invalidPath' },
  { name: 'path with two dots', ops: [{ op: 'add', path: 'name.givenName.x', value: 'x' }], scimType: 'invalidPath' },
  { name: 'add without a value', ops: [{ op: 'add', path: 'title' }], scimType: 'invalidValue', detail: 'needs a value' },
  { name: 'replace without a value', ops: [{ op: 'replace', path: 'title' }], scimType: 'invalidValue' },
  { name: 'remove without a path', ops: [{ op: 'remove' }], scimType: 'noTarget' },
  { name: 'remove with an empty path', ops: [{ op: 'remove', path: ' ' }], scimType: 'noTarget' },
  { name: 'no-path add with a string value', ops: [{ op: 'add', value: 'x' }], scimType: 'invalidValue' },
  { name: 'no-path replace with a list value', ops: [{ op: 'replace', value: [{ title: 'x' }] }], scimType: 'invalidValue' },
  { name: 'no-path replace with null', ops: [{ op: 'replace', value: null }], scimType: 'invalidValue' },
  // mutability
  { name: 'replace id', ops: [{ op: 'replace', path: 'id', value: 'x' }], scimType: 'mutability', detail: 'id' },
  { name: 'no-path id different from the resource', ops: [{ op: 'replace', value: { id: 'other', title: 'x' } }], scimType: 'mutability', detail: 'id' },
  { name: 'remove meta', ops: [{ op: 'remove', path: 'meta' }], scimType: 'mutability', detail: 'meta' },
  { name: 'replace meta.lastModified', ops: [{ op: 'replace', path: 'meta.lastModified', value: '2024-01-01T00:00:00Z' }], scimType: 'mutability' },
  { name: 'add groups', ops: [{ op: 'add', path: 'groups', value: [{ value: 'g' }] }], scimType: 'mutability', detail: 'groups' },
  { name: 'remove groups by filter', ops: [{ op: 'remove', path: 'groups[value eq "g"]' }], scimType: 'mutability' },
  { name: 'no-path groups', ops: [{ op: 'add', value: { groups: [{ value: 'g' }] } }], scimType: 'mutability' },
  { name: 'manager.displayName by path', ops: [{ op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'x' }], scimType: 'mutability' },
  { name: 'remove password', ops: [{ op: 'remove', path: 'password' }], scimType: 'mutability', detail: 'password' },
  {
    name: 'change an immutable attribute',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { badgeId: 'B-1' } }),
    ops: [{ op: 'replace', path: `${CUSTOM}:badgeId`, value: 'B-2' }],
    scimType: 'mutability',
    detail: 'badgeId is immutable',
  },
  {
    name: 'remove an immutable attribute',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { badgeId: 'B-1' } }),
    ops: [{ op: 'remove', path: `${CUSTOM}:badgeId` }],
    scimType: 'mutability',
  },
  {
    name: 'change an immutable sub-attribute through a merge',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { device: { serial: 'S', model: 'M' } } }),
    ops: [{ op: 'replace', path: `${CUSTOM}:device`, value: { model: 'N' } }],
    scimType: 'mutability',
    detail: 'device.model',
  },
  {
    name: 'change an immutable sub-attribute by path',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { device: { serial: 'S', model: 'M' } } }),
    ops: [{ op: 'remove', path: `${CUSTOM}:device.model` }],
    scimType: 'mutability',
  },
  // values
  { name: 'active "yes"', ops: [{ op: 'Replace', path: 'active', value: 'yes' }], scimType: 'invalidValue', detail: 'active must be a boolean' },
  { name: 'active 0', ops: [{ op: 'replace', value: { active: 0 } }], scimType: 'invalidValue', detail: 'active must be a boolean' },
  { name: 'displayName a number', ops: [{ op: 'replace', path: 'displayName', value: 5 }], scimType: 'invalidValue', detail: 'displayName must be a string' },
  { name: 'title not coerced from a boolean', ops: [{ op: 'add', path: 'title', value: true }], scimType: 'invalidValue' },
  { name: 'name a string', ops: [{ op: 'replace', path: 'name', value: 'Jane' }], scimType: 'invalidValue', detail: 'name must be an object' },
  {
    name: 'an email primary "maybe" names the element',
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'a' }, { value: 'b', primary: 'maybe' }] }],
    scimType: 'invalidValue',
    detail: 'emails[1].primary must be a boolean',
  },
  {
    name: 'a filtered sub-attribute value of the wrong type names the path',
    ops: [{ op: 'replace', path: 'emails[type eq "work"].value', value: 42 }],
    scimType: 'invalidValue',
    detail: 'emails[type eq "work"].value must be a string',
  },
  {
    name: 'two primaries in one added list',
    ops: [{ op: 'add', path: 'emails', value: [{ value: 'a', primary: true }, { value: 'b', primary: true }] }],
    scimType: 'invalidValue',
    detail: 'primary',
  },
  {
    name: 'one filter making two elements primary',
    current: babs,
    ops: [{ op: 'replace', path: 'emails[value pr].primary', value: true }],
    scimType: 'invalidValue',
    detail: 'primary',
  },
  {
    name: 'replace of a whole list with two primaries',
    ops: [{ op: 'replace', path: 'emails', value: [{ value: 'a', primary: 'True' }, { value: 'b', primary: true }] }],
    scimType: 'invalidValue',
  },
  { name: 'manager a number', ops: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: 7 }], scimType: 'invalidValue', detail: 'manager' },
  { name: 'manager two elements', ops: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: [{ value: 'a' }, { value: 'b' }] }], scimType: 'invalidValue' },
  { name: 'extension value a string', ops: [{ op: 'replace', path: ENTERPRISE, value: 'x' }], scimType: 'invalidValue', detail: ENTERPRISE },
  { name: 'no-path extension block a list', ops: [{ op: 'add', value: { [ENTERPRISE]: [{}] } }], scimType: 'invalidValue' },
  { name: 'password a number', ops: [{ op: 'replace', value: { password: 1234 } }], scimType: 'invalidValue', detail: 'password must be a string' },
  { name: 'password null', ops: [{ op: 'replace', path: 'password', value: null }], scimType: 'invalidValue', detail: 'password' },
  { name: 'integer given a string', schema: typedUsers, ops: [{ op: 'add', path: `${CUSTOM}:count`, value: '3' }], scimType: 'invalidValue', detail: 'count must be an integer' },
  { name: 'dateTime malformed', schema: typedUsers, ops: [{ op: 'add', path: `${CUSTOM}:hiredAt`, value: '01/05/2024' }], scimType: 'invalidValue' },
  // targets
  { name: 'filter on a single-valued attribute', ops: [{ op: 'replace', path: 'name[givenName eq "Jane"]', value: {} }], scimType: 'invalidPath' },
  { name: 'filter naming an unknown sub-attribute', ops: [{ op: 'replace', path: 'emails[colour eq "red"].value', value: 'x' }], scimType: 'invalidFilter' },
  {
    name: 'no match and a filter without eq clauses',
    ops: [{ op: 'replace', path: 'emails[value co "@contoso"].display', value: 'x' }],
    scimType: 'noTarget',
  },
  { name: 'no match and an or filter', ops: [{ op: 'add', path: 'emails[type eq "a" or type eq "b"].value', value: 'x' }], scimType: 'noTarget' },
  { name: 'no match and a ne filter', ops: [{ op: 'add', path: 'emails[type ne "work"].value', value: 'x' }], scimType: 'noTarget' },
  {
    name: 'no match and contradicting eq clauses',
    ops: [{ op: 'add', path: 'emails[type eq "a" and type eq "b"].value', value: 'x' }],
    scimType: 'noTarget',
  },
  { name: 'sub-attribute of every element when there are none', current: bare, ops: [{ op: 'replace', path: 'emails.display', value: 'x' }], scimType: 'noTarget' },
  { name: 'filter on a whole extension', ops: [{ op: 'remove', path: `${ENTERPRISE}[value eq "x"]` }], scimType: 'invalidPath' },
  // final validation
  { name: 'remove userName', ops: [{ op: 'remove', path: 'userName' }], scimType: 'invalidValue', detail: 'userName is required' },
  { name: 'replace userName with null', ops: [{ op: 'replace', path: 'userName', value: null }], scimType: 'invalidValue', detail: 'userName is required' },
  { name: 'replace userName with blanks', ops: [{ op: 'replace', value: { userName: '  ' } }], scimType: 'invalidValue', detail: 'userName must not be empty' },
  { name: 'remove group displayName', schema: groupResources, current: engineering, ops: [{ op: 'remove', path: 'displayName' }], scimType: 'invalidValue', detail: 'displayName is required' },
  {
    name: 'required sub-attribute removed',
    schema: typedUsers,
    current: () => ({ ...bare(), [CUSTOM]: { device: { serial: 'S', label: 'L' } } }),
    ops: [{ op: 'remove', path: `${CUSTOM}:device.serial` }],
    scimType: 'invalidValue',
    detail: 'device.serial is required',
  },
  // group members
  ...[
    'members[display eq "Jane"]',
    'members[value ne "a"]',
    'members[value co "a"]',
    'members[value eq "a" and type eq "User"]',
    'members[not (value eq "a")]',
    'members[value pr]',
    'members[value eq 5]',
    'members[type eq "User"]',
  ].map((path) => ({
    name: `remove ${path}`,
    schema: groupResources,
    current: engineering,
    ops: [{ op: 'remove', path }],
    scimType: 'invalidFilter' as const,
    detail: 'value eq',
  })),
  { name: 'replace members[value eq "a"]', schema: groupResources, current: engineering, ops: [{ op: 'replace', path: 'members[value eq "a"]', value: { value: 'b' } }], scimType: 'mutability' },
  { name: 'replace members.type', schema: groupResources, current: engineering, ops: [{ op: 'replace', path: 'members.type', value: 'Group' }], scimType: 'mutability' },
  { name: 'remove members[value eq "a"].display', schema: groupResources, current: engineering, ops: [{ op: 'remove', path: 'members[value eq "a"].display' }], scimType: 'mutability' },
  { name: 'add members a string', schema: groupResources, current: engineering, ops: [{ op: 'add', path: 'members', value: 'u-1' }], scimType: 'invalidValue', detail: 'members[0]' },
  { name: 'add members without value', schema: groupResources, current: engineering, ops: [{ op: 'add', path: 'members', value: [{ display: 'x' }] }], scimType: 'invalidValue', detail: 'members[0].value' },
  { name: 'add members with a bad type', schema: groupResources, current: engineering, ops: [{ op: 'add', path: 'members', value: [{ value: 'a', type: 'Device' }] }], scimType: 'invalidValue', detail: 'type' },
  { name: 'remove members with a bad value list', schema: groupResources, current: engineering, ops: [{ op: 'remove', path: 'members', value: [{ id: 'a' }] }], scimType: 'invalidValue' },
];

describe('applyPatch: errors', () => {
  it.each(errors)('$name', ({ schema = userResources, current = jane, ops, body: raw, ...expected }) => {
    const doc = deepFreeze(current());
    const request = raw !== undefined || ops === undefined ? raw : body(ops);
    expectScimError(() => applyPatch(schema, doc, request, { resourceId: USER_ID }), expected);
  });
});

describe('applyPatch: all or nothing', () => {
  it('leaves the current document untouched when a later operation fails', () => {
    const current = jane();
    const snapshot = structuredClone(current);
    expectScimError(
      () =>
        applyPatch(
          userResources,
          current,
          body([
            { op: 'replace', path: 'displayName', value: 'changed' },
            { op: 'remove', path: 'emails' },
            { op: 'add', path: 'name.givenName', value: 'X' },
            { op: 'replace', path: 'active', value: 'nope' },
          ]),
          { resourceId: USER_ID },
        ),
      { scimType: 'invalidValue' },
    );
    expect(current).toEqual(snapshot);
  });

  it('returns a document that shares nothing with the current one', () => {
    const current = jane();
    const result = applyPatch(userResources, current, body([{ op: 'replace', path: 'title', value: 'T' }]), { resourceId: USER_ID });
    (result.doc.name as Record<string, unknown>).givenName = 'mutated';
    (result.doc.emails as Record<string, unknown>[])[0].value = 'mutated';
    expect(current).toEqual(jane());
  });

  it('fails on the final validation without touching the current document', () => {
    const current = deepFreeze(jane());
    expectScimError(() => patch(current, [{ op: 'remove', path: 'userName' }, { op: 'add', path: 'title', value: 'x' }]), {
      detail: 'userName is required',
    });
    expect(current.userName).toBe('jane@example.com');
  });
});

describe('applyPatch: hostile input', () => {
  it('ignores __proto__ and constructor keys without polluting prototypes', () => {
    const request = JSON.parse(
      `{"schemas":["${PATCH_OP}"],"Operations":[` +
        '{"op":"add","value":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"title":"T"}},' +
        '{"op":"add","path":"name","value":{"__proto__":{"polluted":true},"givenName":"G"}},' +
        `{"op":"add","value":{"${ENTERPRISE}":{"__proto__":{"polluted":true},"department":"d"}}},` +
        '{"op":"add","path":"emails[type eq \\"__proto__\\"].value","value":"x"}]}',
    );
    const result = applyPatch(userResources, deepFreeze(bare()), request, { resourceId: USER_ID });
    expect(result.doc).toEqual({
      ...bare(),
      title: 'T',
      name: { givenName: 'G' },
      [ENTERPRISE]: { department: 'd' },
      emails: [{ type: '__proto__', value: 'x' }],
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects __proto__ and constructor as paths without touching prototypes', () => {
    for (const path of ['__proto__', 'constructor', 'constructor.prototype', '__proto__.polluted']) {
      try {
        const result = patch(bare(), [{ op: 'add', path, value: { polluted: true } }]);
        expect(result.changed).toBe(false);
      } catch (error) {
        expectScimError(() => {
          throw error;
        }, {});
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('handles a thousand operations on one attribute', () => {
    const ops = Array.from({ length: 1000 }, (_, i) => ({ op: 'add', path: 'emails', value: [{ value: `u${i}@x` }] }));
    const result = patch(bare(), ops);
    expect((result.doc.emails as unknown[]).length).toBe(1000);
  });

  it('keeps a long or-chain of member ids', () => {
    const ids = Array.from({ length: 150 }, (_, i) => `u${i}`);
    const path = `members[${ids.map((id) => `value eq "${id}"`).join(' or ')}]`;
    const result = patch(engineering(), [{ op: 'remove', path }], groupResources);
    expect(result.members).toEqual([{ op: 'remove', ids }]);
  });
});
