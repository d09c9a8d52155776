import { eq, type SQL } from 'drizzle-orm';
import { isPublicComponent, pageStatusOf } from '../../../domain/component-visibility';
import type { PageStatus } from '../../../domain/rollup';
import type { Database } from '../../db';
import { component, componentGroup, type ComponentRow } from '../../db/schema';

/**
 * What the public may see, read from the database: the rule itself is in
 * domain/component-visibility.ts. At the bottom of the services' imports (db, schema and domain
 * only), so that every capability can ask; each function reads in the caller's transaction when
 * given one.
 */

/** The public components among those `where` selects (all of them without it), in no particular order. */
async function publicComponents(db: Database, where?: SQL): Promise<ComponentRow[]> {
  const rows = await db
    .select({ component, group: componentGroup })
    .from(component)
    .leftJoin(componentGroup, eq(componentGroup.id, component.groupId))
    .where(where);
  return rows.filter((row) => isPublicComponent(row.component, row.group)).map((row) => row.component);
}

/** Ids of the components the public may see. */
export async function publicComponentIds(db: Database): Promise<Set<string>> {
  return new Set((await publicComponents(db)).map((item) => item.id));
}

export async function isComponentPublic(db: Database, componentId: string): Promise<boolean> {
  return (await publicComponents(db, eq(component.id, componentId))).length > 0;
}

/** The page's rolled-up status now, as the status page shows it. */
export async function currentPageStatus(db: Database): Promise<PageStatus> {
  return pageStatusOf(await publicComponents(db));
}
