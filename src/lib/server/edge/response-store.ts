import type http from 'node:http';
import { isQueryVariant } from '../../domain/public-routes';
import type { CapturedResponse } from './captured-response';
import { withinDeadline } from '../deadline';
import { FRESH_UNTIL_HEADER } from '../http';
import { sendStored, storeResponse, type StoredResponse } from './stored-response';

/** Statuses whose answer is the same for every visitor until something changes. */
/** The shortest life of an answer, whatever the page says. */
const MIN_FRESHNESS_MS = 1_000;
const KEPT_STATUSES = new Set([200, 203, 204, 300, 301, 308, 400, 404, 410]);

export interface ResponseStoreOptions {
  /** Renders the canonical request of a key: the site's answer to a visitor without cookies. */
  render(key: string): Promise<CapturedResponse>;
  /** Epoch ms: the system clock, or a test's. */
  now(): number;
  /** Changes whenever something public was written (public-cache.ts). */
  generation(): number;
  /** How long a request waits for an answer that a write made out of date before it gets the old one. */
  readBudgetMs: number;
  /** How long a request waits when nothing is stored yet, before the "temporarily unavailable" page. */
  coldBudgetMs: number;
  /** How long a key rests after a failed render before the next try. */
  retryAfterFailureMs: number;
  /** Past the freshness the page gave (or none), an answer is rendered again after this. */
  ceilingMs: number;
  limits: { pages: number; variants: number; bytes: number };
  /** Called with each new good answer of a page (no query, status 200), for persistence. */
  onStored?(key: string, stored: StoredResponse): void;
  onFailure?(key: string, error: unknown): void;
  /** Answers a request that has nothing to be served with. */
  sendUnavailable(res: http.ServerResponse): void;
  /** Told how each request was answered: kept and fresh, rendered for it, kept but stale, or nothing to send. */
  onServed?(outcome: 'hit' | 'miss' | 'stale' | 'unavailable'): void;
}

interface Slot {
  key: string;
  tier: 'pages' | 'variants';
  stored?: StoredResponse;
  /** The generation `stored` was rendered under; -1 for an answer read from disk. */
  generation: number;
  rendering?: { promise: Promise<StoredResponse | undefined>; startedAt: number };
  failedAt?: number;
  lastUse: number;
}

/** Bytes an answer holds in memory, in all its codings. */
function sizeOf(stored: StoredResponse): number {
  let bytes = 0;
  for (const item of Object.values(stored.representations)) bytes += item.body.length;
  return bytes;
}

/**
 * Whole public answers in memory, one per key, each rendered once per change: a fresh answer is
 * sent as it is; one that time made old is sent while a single render replaces it; one that a
 * write made old is waited for, within the read budget, so staff see their change on the next
 * load. When rendering fails (the database down or too slow) the last good answer is sent with
 * `Herald-Stale: <seconds>`. Two bounded tiers (pages, and query variants or error answers) in
 * least-recently-used order keep hostile URLs from pushing out the pages that matter.
 */
export class ResponseStore {
  private readonly tiers = { pages: new Map<string, Slot>(), variants: new Map<string, Slot>() };
  private bytes = 0;
  /**
   * Whether the last render to finish, of any key, failed: the database is likely down, so even
   * an answer still within its freshness is said to be stale (it may be, and nothing can check).
   */
  private failing = false;
  /** Set by the edge's database probe: what is kept may be out of date, and nothing can check. */
  private databaseDown = false;

  constructor(private readonly options: ResponseStoreOptions) {}

  /** Answers a GET or HEAD for `key`. */
  async serve(key: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const slot = this.slotOf(key);
    const now = this.options.now();
    const stored = slot.stored;
    if (stored && slot.generation === this.options.generation()) {
      if (now >= stored.freshUntil) void this.refresh(slot);
      const stale = this.staleHeaders(slot, stored, now);
      sendStored(req, res, stored, stale);
      this.options.onServed?.(stale ? 'stale' : 'hit');
      return;
    }
    // Out of date by a write, or never rendered: wait for the new answer, within a budget.
    const fresh = await this.awaitRender(slot, stored ? this.options.readBudgetMs : this.options.coldBudgetMs);
    if (fresh) sendStored(req, res, fresh);
    else if (stored) sendStored(req, res, stored, { 'herald-stale': this.ageOf(stored) });
    else this.options.sendUnavailable(res);
    this.options.onServed?.(fresh ? 'miss' : stored ? 'stale' : 'unavailable');
  }

  /** Puts an answer read from disk in place; it counts as out of date until rendered again. */
  preload(key: string, stored: StoredResponse): void {
    const slot = this.slotOf(key);
    this.keep(slot, stored, -1);
  }

  /** Whether the database answers, as the edge's probe last found. */
  setDatabaseDown(down: boolean): void {
    this.databaseDown = down;
  }

  /** How many answers are kept, and their bytes (for tests and logs). */
  size(): { entries: number; bytes: number } {
    let entries = 0;
    for (const tier of Object.values(this.tiers)) for (const slot of tier.values()) if (slot.stored) entries += 1;
    return { entries, bytes: this.bytes };
  }

  private staleHeaders(slot: Slot, stored: StoredResponse, now: number): http.OutgoingHttpHeaders | undefined {
    const slowRender = slot.rendering !== undefined && now - slot.rendering.startedAt > this.options.readBudgetMs;
    return this.failing || this.databaseDown || slot.failedAt !== undefined || slowRender
      ? { 'herald-stale': this.ageOf(stored) }
      : undefined;
  }

  private ageOf(stored: StoredResponse): string {
    return String(Math.max(0, Math.round((this.options.now() - stored.renderedAt) / 1000)));
  }

  private async awaitRender(slot: Slot, budgetMs: number): Promise<StoredResponse | undefined> {
    const rendering = this.refresh(slot);
    if (!rendering) return undefined;
    const waited = this.options.now() - (slot.rendering?.startedAt ?? this.options.now());
    const remaining = budgetMs - waited;
    if (remaining <= 0) return undefined;
    return withinDeadline(rendering, remaining, undefined);
  }

  /** The render under way for the slot, or a new one; none while the key rests after a failure. */
  private refresh(slot: Slot): Promise<StoredResponse | undefined> | undefined {
    const now = this.options.now();
    // A render that hangs (a database that never answers) is given up, so a later one may try.
    if (slot.rendering && now - slot.rendering.startedAt < this.options.coldBudgetMs * 4) return slot.rendering.promise;
    if (slot.failedAt !== undefined && now - slot.failedAt < this.options.retryAfterFailureMs) return undefined;
    const generation = this.options.generation();
    const rendering = { startedAt: now, promise: this.render(slot, generation, now) };
    slot.rendering = rendering;
    void rendering.promise.finally(() => {
      if (slot.rendering === rendering) slot.rendering = undefined;
    });
    return rendering.promise;
  }

  private async render(slot: Slot, generation: number, startedAt: number): Promise<StoredResponse | undefined> {
    let captured: CapturedResponse;
    try {
      captured = await this.options.render(slot.key);
      if (captured.status >= 500) throw new Error(`the page answered ${captured.status}`);
    } catch (error) {
      slot.failedAt = this.options.now();
      this.failing = true;
      this.options.onFailure?.(slot.key, error);
      return undefined;
    }
    const named = Date.parse(String(captured.headers[FRESH_UNTIL_HEADER.toLowerCase()] ?? '')) || Infinity;
    // At least a second: a page naming a moment already past must not cause a render per request.
    const freshUntil = Math.max(startedAt + MIN_FRESHNESS_MS, Math.min(startedAt + this.options.ceilingMs, named));
    const stored = await storeResponse(captured, startedAt, freshUntil);
    slot.failedAt = undefined;
    this.failing = false;
    if (this.keepable(slot.key, captured)) this.keep(slot, stored, generation);
    return stored;
  }

  /** Never a cookie, never a private or uncacheable answer, never a status that depends on the visitor. */
  private keepable(key: string, captured: CapturedResponse): boolean {
    if (!KEPT_STATUSES.has(captured.status) || captured.headers['set-cookie'] !== undefined) return false;
    const cacheControl = String(captured.headers['cache-control'] ?? '').toLowerCase();
    return !/\b(no-store|private)\b/.test(cacheControl) && !key.startsWith('/admin');
  }

  private keep(slot: Slot, stored: StoredResponse, generation: number): void {
    // Only a newer render replaces what is kept (a given-up render may finish late).
    if (slot.stored && slot.stored.renderedAt > stored.renderedAt) return;
    if (slot.stored) this.bytes -= sizeOf(slot.stored);
    slot.stored = stored;
    slot.generation = generation;
    this.bytes += sizeOf(stored);
    const tier = isQueryVariant(slot.key) || stored.status >= 400 ? 'variants' : 'pages';
    if (tier !== slot.tier) {
      this.tiers[slot.tier].delete(slot.key);
      slot.tier = tier;
    }
    this.tiers[tier].set(slot.key, slot);
    if (tier === 'pages' && stored.status === 200 && generation >= 0) this.options.onStored?.(slot.key, stored);
    this.evict();
  }

  private slotOf(key: string): Slot {
    const now = this.options.now();
    const found = this.tiers.pages.get(key) ?? this.tiers.variants.get(key);
    if (found) {
      // Moved to the young end at most once a second: a hit then costs no map writes.
      if (now - found.lastUse > 1000) {
        const tier = this.tiers[found.tier];
        tier.delete(key);
        tier.set(key, found);
        found.lastUse = now;
      }
      return found;
    }
    const slot: Slot = { key, tier: isQueryVariant(key) ? 'variants' : 'pages', generation: -1, lastUse: now };
    this.tiers[slot.tier].set(key, slot);
    this.evict();
    return slot;
  }

  private evict(): void {
    const { limits } = this.options;
    for (const [name, limit] of [['variants', limits.variants] as const, ['pages', limits.pages] as const]) {
      const tier = this.tiers[name];
      while (tier.size > limit || (this.bytes > limits.bytes && tier.size > 1)) {
        const oldest = tier.values().next().value;
        if (!oldest) break;
        tier.delete(oldest.key);
        if (oldest.stored) this.bytes -= sizeOf(oldest.stored);
        oldest.stored = undefined;
      }
    }
  }
}
