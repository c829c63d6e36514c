// Row types of outbound sync and webhooks (see migrations/006-outbound.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface OutboundTables {}
