import { describe, expect, it } from 'vitest';
import {
  backupRowLine,
  loadOrder,
  newerSchema,
  parseBackupHeader,
  parseBackupLine,
  targetTooNew,
} from '../../src/lib/domain/backup-format';

describe('the backup file’s lines', () => {
  const header = {
    format: 'herald-backup',
    formatVersion: 1,
    schemaVersion: 8,
    createdAt: '2026-03-01T12:00:00.000Z',
    tables: { user: 1 },
  };

  it('reads a header, and refuses one from a newer format or something else', () => {
    expect(parseBackupHeader(JSON.stringify(header))).toEqual({ ok: true, header });
    expect(parseBackupHeader(JSON.stringify({ ...header, formatVersion: 2 }))).toEqual({
      ok: false,
      message: 'it was written in backup format 2 by a newer Herald; this one reads format 1: upgrade first',
    });
    expect(parseBackupHeader('{"hello":"world"}')).toEqual({
      ok: false,
      message: 'it is not a Herald backup (its first line is not a backup header)',
    });
    expect(parseBackupHeader('not json').ok).toBe(false);
  });

  it('tells rows, the trailer and stray lines apart, keeping the row’s JSON text as PostgreSQL wrote it', () => {
    const line = backupRowLine('incident', '{"id": "a", "big": 12345678901234567890}');
    expect(line).toBe('{"table":"incident","row":{"id": "a", "big": 12345678901234567890}}');
    expect(parseBackupLine(line)).toEqual({ kind: 'row', table: 'incident' });
    const sha256 = 'a'.repeat(64);
    expect(parseBackupLine(JSON.stringify({ end: true, rows: 3, sha256 }))).toEqual({
      kind: 'trailer',
      trailer: { end: true, rows: 3, sha256 },
    });
    expect(parseBackupLine('{"table":"incident"')).toEqual({ kind: 'bad', reason: 'a line is not valid JSON' });
    expect(parseBackupLine('{"rows":3}')).toEqual({ kind: 'bad', reason: 'a line is neither a row nor the trailer' });
  });
});

describe('the schema check', () => {
  it('refuses a backup from a newer Herald, and takes one of the same or an older schema', () => {
    expect(newerSchema(9, 8)).toBe('This backup was made by a newer Herald (schema 9); this one knows 8: upgrade first.');
    expect(newerSchema(8, 8)).toBeNull();
    expect(newerSchema(7, 8)).toBeNull();
  });

  it('loads an older backup only into a database not yet past its schema', () => {
    expect(targetTooNew(7, 0)).toBeNull();
    expect(targetTooNew(7, 7)).toBeNull();
    expect(targetTooNew(7, 8)).toMatch(/^This backup is of schema 7 and the target database is already at schema 8: /);
  });
});

describe('the load order', () => {
  it('puts every table after the ones it references, alphabetically among equals, ignoring references to itself', () => {
    const order = loadOrder(
      ['delivery', 'subscriber', 'notification', 'incident', 'user', 'component_group'],
      [
        ['delivery', 'notification'],
        ['delivery', 'subscriber'],
        ['notification', 'incident'],
        ['incident', 'user'],
        ['component_group', 'component_group'],
      ],
    );
    expect(order).toEqual(['component_group', 'subscriber', 'user', 'incident', 'notification', 'delivery']);
  });

  it('has no answer for tables that reference each other in a cycle', () => {
    expect(
      loadOrder(
        ['a', 'b'],
        [
          ['a', 'b'],
          ['b', 'a'],
        ],
      ),
    ).toBeNull();
  });
});
