import { attr } from './attribute.js';
import type { SchemaDef } from './types.js';

export const ROLES_EXTENSION_SCHEMA = 'urn:roster:params:scim:schemas:extension:roles:2.0:User';

// Roster's own extension: the roles a user holds, whatever granted them (IdP-sent `roles`, mapped groups,
// attribute rules, nested groups). Applications read it and filter on it (`effectiveRoles eq "engineer"`).
export const rolesExtensionSchema: SchemaDef = {
  id: ROLES_EXTENSION_SCHEMA,
  name: 'RosterRoles',
  description: "The user's effective roles, maintained by Roster",
  attributes: [
    attr('effectiveRoles', 'string', 'Every role the user holds: sent by the IdP, granted by a mapped group (directly or through nested groups) or by an attribute rule.', {
      multiValued: true,
      mutability: 'readOnly',
    }),
  ],
};
