import { attr, complex, multiValued } from './attribute.js';
import type { SchemaDef } from './types.js';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

// RFC 7643 section 4.1 and 8.7.1.
export const userSchema: SchemaDef = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    attr('userName', 'string', 'Unique identifier for the User, used to authenticate; unique per directory, case-insensitive.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', "The components of the user's real name.", [
      attr('formatted', 'string', 'The full name, formatted for display.'),
      attr('familyName', 'string', 'The family name, or last name in most Western languages.'),
      attr('givenName', 'string', 'The given name, or first name in most Western languages.'),
      attr('middleName', 'string', 'The middle name(s).'),
      attr('honorificPrefix', 'string', 'The honorific prefix(es), or title (e.g. "Ms.").'),
      attr('honorificSuffix', 'string', 'The honorific suffix(es) (e.g. "III").'),
    ]),
    attr('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attr('nickName', 'string', 'The casual way to address the user.'),
    attr('profileUrl', 'reference', "A URI of the user's online profile."),
    attr('title', 'string', "The user's title, such as \"Vice President\"."),
    attr('userType', 'string', 'The relationship between the organization and the user, e.g. "Employee".'),
    attr('preferredLanguage', 'string', "The user's preferred written or spoken language (RFC 7231 Accept-Language form)."),
    attr('locale', 'string', "The user's default location for localization, e.g. \"en-US\"."),
    attr('timezone', 'string', 'The time zone in the IANA Time Zone database format, e.g. "America/Los_Angeles".'),
    attr('active', 'boolean', "The user's administrative status; false means blocked."),
    attr('password', 'string', "The user's cleartext password, write-only; stored only as an argon2id hash.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multiValued('emails', 'Email addresses for the user.', ['work', 'home', 'other']),
    multiValued('phoneNumbers', 'Phone numbers for the user.', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multiValued('ims', 'Instant messaging addresses for the user.', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multiValued('photos', 'URLs of photos of the user.', ['photo', 'thumbnail'], { valueType: 'reference' }),
    complex(
      'addresses',
      'Physical mailing addresses for this user.',
      [
        attr('formatted', 'string', 'The full mailing address, formatted for display.'),
        attr('streetAddress', 'string', 'The full street address component.'),
        attr('locality', 'string', 'The city or locality component.'),
        attr('region', 'string', 'The state or region component.'),
        attr('postalCode', 'string', 'The zip code or postal code component.'),
        attr('country', 'string', 'The country name component (ISO 3166-1 alpha-2).'),
        attr('type', 'string', 'A label indicating the function of the address.', { canonicalValues: ['work', 'home', 'other'] }),
        attr('primary', 'boolean', 'Whether this is the primary address; true for at most one.'),
      ],
      { multiValued: true },
    ),
    complex(
      'groups',
      'The groups the user belongs to, directly or through nested groups. Read-only: change membership through the Group.',
      [
        attr('value', 'string', 'The id of the group.', { mutability: 'readOnly' }),
        attr('$ref', 'reference', 'The URI of the group.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
        attr('display', 'string', 'The displayName of the group.', { mutability: 'readOnly' }),
        attr('type', 'string', 'direct or indirect membership.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    multiValued('entitlements', 'Entitlements for the user.', []),
    multiValued('roles', 'Roles for the user, as sent by the identity provider.', []),
    multiValued('x509Certificates', 'X.509 certificates issued to the user.', [], { valueType: 'binary' }),
  ],
};
