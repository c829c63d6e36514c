// Row types of the admin console (see migrations/005-console.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ConsoleTables {}
