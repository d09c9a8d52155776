import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import type { ContentCoding } from '../../domain/http-caching';
import type { StoredResponse } from './stored-response';

/**
 * The last good answer of each public page, on disk under DATA_DIR, so that a Herald restarted
 * while the database is down still serves its page. Written a moment after each change (many
 * renders in a burst make one write per page), each file replaced whole by a rename.
 */
const WRITE_DELAY_MS = 1_000;
/** More than any site has public pages; a directory grown past it is read no further. */
const MAX_FILES = 2_000;
const FORMAT = 1;

interface FileContent {
  format: number;
  key: string;
  status: number;
  renderedAt: number;
  entityTags: string[];
  notModifiedHeaders: http.OutgoingHttpHeaders;
  representations: { coding: ContentCoding; entityTag: string; headers: http.OutgoingHttpHeaders; body: string }[];
}

export interface PersistedResponses {
  /** Queues the answer for writing. */
  save(key: string, stored: StoredResponse): void;
  /** Everything on disk, as answers to serve while nothing newer can be rendered. */
  load(): Promise<{ key: string; stored: StoredResponse }[]>;
  /** Writes what is queued now (at shutdown, and in tests). */
  flush(): Promise<void>;
}

export function persistedResponses(directory: string, onError: (error: unknown) => void): PersistedResponses {
  const queued = new Map<string, StoredResponse>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();

  const fileOf = (key: string) => path.join(directory, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);

  async function write(key: string, stored: StoredResponse): Promise<void> {
    const content: FileContent = {
      format: FORMAT,
      key,
      status: stored.status,
      renderedAt: stored.renderedAt,
      entityTags: stored.entityTags,
      notModifiedHeaders: stored.notModifiedHeaders,
      representations: Object.entries(stored.representations).map(([coding, item]) => ({
        coding: coding as ContentCoding,
        entityTag: item.entityTag,
        headers: item.headers,
        body: item.body.toString('base64'),
      })),
    };
    const file = fileOf(key);
    const temporary = `${file}.${process.pid}.tmp`;
    await fs.mkdir(directory, { recursive: true });
    await fs.writeFile(temporary, JSON.stringify(content));
    await fs.rename(temporary, file);
  }

  async function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const batch = [...queued];
    queued.clear();
    writing = writing.then(async () => {
      for (const [key, stored] of batch) await write(key, stored).catch(onError);
    });
    await writing;
  }

  return {
    save(key, stored) {
      queued.set(key, stored);
      timer ??= setTimeout(() => void flush(), WRITE_DELAY_MS).unref();
    },
    flush,
    async load() {
      let names: string[];
      try {
        names = (await fs.readdir(directory)).filter((name) => name.endsWith('.json')).slice(0, MAX_FILES);
      } catch {
        return [];
      }
      const loaded: { key: string; stored: StoredResponse }[] = [];
      for (const name of names) {
        try {
          const content = JSON.parse(await fs.readFile(path.join(directory, name), 'utf8')) as FileContent;
          if (content.format !== FORMAT) continue;
          const representations = Object.fromEntries(
            content.representations.map((item) => [
              item.coding,
              { entityTag: item.entityTag, headers: item.headers, body: Buffer.from(item.body, 'base64') },
            ]),
          ) as Partial<StoredResponse['representations']>;
          if (!representations.identity) continue;
          loaded.push({
            key: content.key,
            stored: {
              status: content.status,
              representations: { ...representations, identity: representations.identity },
              entityTags: content.entityTags,
              notModifiedHeaders: content.notModifiedHeaders,
              renderedAt: content.renderedAt,
              freshUntil: 0,
            },
          });
        } catch (error) {
          // A file cut short by a crash (before its rename) or from another version is skipped.
          onError(error);
        }
      }
      return loaded;
    },
  };
}
