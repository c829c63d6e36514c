import { defaultValueLimits } from '../protocol/attribute-limits.js';

/** Request limits; each one is advertised where SCIM has a place for it (ServiceProviderConfig). */
export interface HttpLimits {
  bodyLimit: number;
  defaultCount: number;
  maxCount: number;
  bulkMaxOperations: number;
  /** Members one request may add, replace or remove (POST/PUT/PATCH of a group); beyond it a 413. */
  maxMembersPerRequest: number;
  /** The longest filter accepted (the parser's own ceiling, MAX_FILTER_LENGTH, is the largest allowed). */
  maxFilterLength: number;
  /** Operations in one PATCH request; beyond it a 413 (the PATCH engine's work grows with operations × values). */
  maxPatchOperations: number;
  /**
   * The longest value of an indexed attribute (userName, externalId, displayName, emails.value, roles.value; a
   * group's displayName and externalId), in UTF-8 bytes; beyond it a 400 (src/protocol/attribute-limits.ts).
   */
  maxIndexedValueBytes: number;
  /** Values one multi-valued attribute (emails, roles, addresses, ...) may hold; beyond it a 400. */
  maxValuesPerAttribute: number;
}

export const defaultLimits: HttpLimits = {
  bodyLimit: 2 * 1024 * 1024,
  defaultCount: 100,
  maxCount: 1000,
  bulkMaxOperations: 1000,
  maxMembersPerRequest: 20_000,
  maxFilterLength: 4096,
  maxPatchOperations: 500,
  maxIndexedValueBytes: defaultValueLimits.maxIndexedValueBytes,
  maxValuesPerAttribute: defaultValueLimits.maxValuesPerAttribute,
};
