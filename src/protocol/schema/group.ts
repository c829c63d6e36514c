import { attr, complex } from './attribute.js';
import type { SchemaDef } from './types.js';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

// RFC 7643 section 4.2 and 8.7.1. displayName is required and unique per directory here: groups act as roles.
export const groupSchema: SchemaDef = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    attr('displayName', 'string', 'A human-readable name for the Group; unique per directory, case-insensitive.', {
      required: true,
      uniqueness: 'server',
    }),
    complex(
      'members',
      'The members of the Group: users or groups of the same directory.',
      [
        attr('value', 'string', 'The id of the member.', { mutability: 'immutable', caseExact: true }),
        attr('$ref', 'reference', 'The URI of the member resource.', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
        attr('type', 'string', 'The type of the member; inferred from the id when absent.', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
        attr('display', 'string', "The member's displayName (or userName); filled in by the server.", { mutability: 'readOnly' }),
      ],
      { multiValued: true },
    ),
  ],
};
