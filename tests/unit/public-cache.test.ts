import { describe, expect, it } from 'vitest';
import { cachedPublicRead, invalidatePublicReads, PUBLIC_CACHE_MS } from '../../src/lib/server/public-cache';

describe('the public read cache', () => {
  it('loads once per key while fresh, and again once stale', async () => {
    invalidatePublicReads();
    let loads = 0;
    const load = async () => ++loads;
    expect(await cachedPublicRead('a', load, 1_000)).toBe(1);
    expect(await cachedPublicRead('a', load, 1_000 + PUBLIC_CACHE_MS - 1)).toBe(1);
    expect(await cachedPublicRead('b', load, 1_000)).toBe(2);
    expect(await cachedPublicRead('a', load, 1_000 + PUBLIC_CACHE_MS)).toBe(3);
  });

  it('shares a load in flight among the requests that arrive meanwhile', async () => {
    invalidatePublicReads();
    let loads = 0;
    let finish!: (value: number) => void;
    const load = () => {
      loads += 1;
      return new Promise<number>((resolve) => (finish = resolve));
    };
    const first = cachedPublicRead('a', load, 0);
    const second = cachedPublicRead('a', load, 10);
    finish(7);
    expect(await Promise.all([first, second])).toEqual([7, 7]);
    expect(loads).toBe(1);
  });

  it('forgets everything on a write, and never keeps a load a write overtook', async () => {
    invalidatePublicReads();
    let loads = 0;
    expect(await cachedPublicRead('a', async () => ++loads, 0)).toBe(1);
    invalidatePublicReads();
    expect(await cachedPublicRead('a', async () => ++loads, 1)).toBe(2);

    let finish!: (value: number) => void;
    const overtaken = cachedPublicRead('a', () => new Promise<number>((resolve) => (finish = resolve)), PUBLIC_CACHE_MS * 2);
    invalidatePublicReads();
    finish(99);
    expect(await overtaken).toBe(99);
    expect(await cachedPublicRead('a', async () => ++loads, PUBLIC_CACHE_MS * 2 + 1)).toBe(3);
  });

  it('does not keep a failed load', async () => {
    invalidatePublicReads();
    await expect(cachedPublicRead('a', async () => Promise.reject(new Error('database down')), 0)).rejects.toThrow('database down');
    await Promise.resolve();
    expect(await cachedPublicRead('a', async () => 5, 1)).toBe(5);
  });
});
