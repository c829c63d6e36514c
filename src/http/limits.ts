/** Request limits; each one is advertised where SCIM has a place for it (ServiceProviderConfig). */
export interface HttpLimits {
  bodyLimit: number;
  defaultCount: number;
  maxCount: number;
  bulkMaxOperations: number;
}

export const defaultLimits: HttpLimits = {
  bodyLimit: 2 * 1024 * 1024,
  defaultCount: 100,
  maxCount: 1000,
  bulkMaxOperations: 1000,
};
