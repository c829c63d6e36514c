import { attr, complex } from './attribute.js';
import type { SchemaDef } from './types.js';

export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// RFC 7643 section 4.3.
export const enterpriseUserSchema: SchemaDef = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attr('employeeNumber', 'string', 'A string identifier, typically numeric or alphanumeric, assigned to a person.'),
    attr('costCenter', 'string', 'Identifies the name of a cost center.'),
    attr('organization', 'string', 'Identifies the name of an organization.'),
    attr('division', 'string', 'Identifies the name of a division.'),
    attr('department', 'string', 'Identifies the name of a department.'),
    complex('manager', "The user's manager.", [
      attr('value', 'string', 'The id of the SCIM resource representing the manager.', { caseExact: true }),
      attr('$ref', 'reference', 'The URI of the manager resource.', { referenceTypes: ['User'] }),
      attr('displayName', 'string', "The manager's displayName.", { mutability: 'readOnly' }),
    ]),
  ],
};
