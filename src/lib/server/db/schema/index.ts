/**
 * Every table, enum and row type of Herald's database, one file per area. `import * as schema`
 * (db/client.ts) and drizzle-kit (drizzle.config.ts) read them all through this file. The column
 * helpers of columns.ts are for the area files only.
 */
export * from './enums';
export * from './access';
export * from './sign-in';
export * from './audit';
export * from './settings';
export * from './components';
export * from './incidents';
export * from './plan';
export * from './maintenance';
export * from './status-history';
export * from './subscribers';
export * from './webhooks';
export * from './automation';
export * from './backups';
export * from './incident-templates';
export * from './maintenance-templates';
export * from './action-items';
