/** The states of a post-mortem action item: open until done, or dropped with staff's say-so. */
export const actionItemStates = ['open', 'done', 'dropped'] as const;
export type ActionItemState = (typeof actionItemStates)[number];
