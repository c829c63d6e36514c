// Row types of the provisioning log (see migrations/002-provisioning-log.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ProvisioningLogTables {}
