import { componentStatusLabels, type ComponentStatus } from '../lib/domain/statuses';
import type { ComponentGroupRow, ComponentRow } from '../lib/server/db/schema';
import {
  createComponent,
  createGroup,
  deleteGroup,
  moveComponent,
  moveGroup,
  removeComponent,
  setComponentStatus,
  updateComponent,
  updateGroup,
} from '../lib/server/services/components/catalog';
import type { FormHandler } from './form';
import type { FormValues } from './posted';

const COMPONENTS_PAGE = '/admin/components';

/** The component form's fields as the form shows them. */
export interface ComponentFields {
  name: string;
  description: string;
  groupId: string;
  hidden: boolean;
  onlyShowIfDegraded: boolean;
  startDate: string;
}

/** The group form's fields as the form shows them. */
export interface GroupFields {
  name: string;
  description: string;
  hidden: boolean;
}

export const blankComponentFields: ComponentFields = {
  name: '',
  description: '',
  groupId: '',
  hidden: false,
  onlyShowIfDegraded: false,
  startDate: '',
};
export const blankGroupFields: GroupFields = { name: '', description: '', hidden: false };

/** A posted field as text. A choice (a status, a direction) is passed on as posted: the service's schema rejects anything else. */
function text(values: FormValues, name: string): string {
  const value = values[name];
  return typeof value === 'string' ? value : '';
}

function checked(values: FormValues, name: string): boolean {
  return values[name] === 'on' || values[name] === 'true';
}

export function postedComponentFields(values: FormValues): ComponentFields {
  return {
    name: text(values, 'name'),
    description: text(values, 'description'),
    groupId: text(values, 'groupId'),
    hidden: checked(values, 'hidden'),
    onlyShowIfDegraded: checked(values, 'onlyShowIfDegraded'),
    startDate: text(values, 'startDate'),
  };
}

export function savedComponentFields(row: ComponentRow): ComponentFields {
  return {
    name: row.name,
    description: row.description ?? '',
    groupId: row.groupId ?? '',
    hidden: row.hidden,
    onlyShowIfDegraded: row.onlyShowIfDegraded,
    startDate: row.startDate ?? '',
  };
}

export function postedGroupFields(values: FormValues): GroupFields {
  return { name: text(values, 'name'), description: text(values, 'description'), hidden: checked(values, 'hidden') };
}

export function savedGroupFields(row: ComponentGroupRow): GroupFields {
  return { name: row.name, description: row.description ?? '', hidden: row.hidden };
}

export const createComponentForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await createComponent(context, actor, postedComponentFields(values));
    return result.ok ? { ok: true, value: { location: COMPONENTS_PAGE, notice: `Component “${result.value.name}” created.` } } : result;
  },
};

/** Saves the component whose edit page posted; its id comes from the page address, not the form. */
export function updateComponentForm(id: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await updateComponent(context, actor, id, postedComponentFields(values));
      return result.ok ? { ok: true, value: { location: COMPONENTS_PAGE, notice: `Component “${result.value.name}” saved.` } } : result;
    },
  };
}

export const setComponentStatusForm: FormHandler = {
  role: 'responder',
  async run({ values, actor, context }) {
    const result = await setComponentStatus(context, actor, text(values, 'id'), { status: text(values, 'status') as ComponentStatus });
    if (!result.ok) return result;
    const { from, to } = result.value;
    const notice =
      from === to
        ? `Status unchanged: ${componentStatusLabels[to]}.`
        : `Status changed from ${componentStatusLabels[from]} to ${componentStatusLabels[to]}.`;
    return { ok: true, value: { location: COMPONENTS_PAGE, notice } };
  },
};

export const moveComponentForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const direction = text(values, 'direction') as 'up' | 'down';
    const result = await moveComponent(context, actor, text(values, 'id'), { direction });
    return result.ok ? { ok: true, value: { location: COMPONENTS_PAGE, notice: `Component moved ${direction}.` } } : result;
  },
};

export const removeComponentForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await removeComponent(context, actor, text(values, 'id'));
    if (!result.ok) return result;
    const notice =
      result.value.outcome === 'archived'
        ? 'Component archived: it has history, which past incidents and uptime keep showing.'
        : 'Component deleted: it had no history.';
    return { ok: true, value: { location: COMPONENTS_PAGE, notice } };
  },
};

export const createGroupForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await createGroup(context, actor, postedGroupFields(values));
    return result.ok ? { ok: true, value: { location: COMPONENTS_PAGE, notice: `Group “${result.value.name}” created.` } } : result;
  },
};

/** Saves the group whose edit page posted; its id comes from the page address, not the form. */
export function updateGroupForm(id: string): FormHandler {
  return {
    role: 'admin',
    async run({ values, actor, context }) {
      const result = await updateGroup(context, actor, id, postedGroupFields(values));
      return result.ok ? { ok: true, value: { location: COMPONENTS_PAGE, notice: `Group “${result.value.name}” saved.` } } : result;
    },
  };
}

export const moveGroupForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const direction = text(values, 'direction') as 'up' | 'down';
    const result = await moveGroup(context, actor, text(values, 'id'), { direction });
    return result.ok ? { ok: true, value: { location: COMPONENTS_PAGE, notice: `Group moved ${direction}.` } } : result;
  },
};

export const deleteGroupForm: FormHandler = {
  role: 'admin',
  async run({ values, actor, context }) {
    const result = await deleteGroup(context, actor, text(values, 'id'));
    return result.ok
      ? { ok: true, value: { location: COMPONENTS_PAGE, notice: 'Group deleted; its components are now ungrouped.' } }
      : result;
  },
};
