import { customType, timestamp } from 'drizzle-orm/pg-core';

/** Column types every area's tables share. */

/** Raw bytes, for the SHA-256 hashes of token and key secrets. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/** A point in time, read and written as a `Date`. */
export const timestamptz = () => timestamp({ withTimezone: true, mode: 'date' });
