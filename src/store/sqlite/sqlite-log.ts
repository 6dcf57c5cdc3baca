import type Database from 'better-sqlite3';
import type { DeleteResult, StoredValue, WatchEvent, WriteResult } from '../store.js';
import { compareKeys, prefixEnd } from '../key-range.js';

/** A write as queued by the store. */
export type WriteOp =
  | { kind: 'create'; key: string; value: Uint8Array }
  | { kind: 'update'; key: string; value: Uint8Array; expectedRevision: number }
  | { kind: 'delete'; key: string; expectedRevision?: number };

/** Outcome of one applied write: the caller's result and, on success, the event to publish. */
export interface Applied {
  result: WriteResult | DeleteResult;
  event?: WatchEvent;
}

interface LatestRow {
  revision: number;
  create_revision: number;
  deleted: number;
}

interface ValueRow {
  name: string;
  id: number;
  create_revision: number;
  value: Buffer;
}

interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  value: Buffer | null;
  p_id: number | null;
  p_create: number | null;
  p_value: Buffer | null;
}

const EMPTY = new Uint8Array(0);

/**
 * Synchronous SQL over the kv / kv_latest tables (see schema.ts). Every method runs on the caller's
 * connection and must be called inside a transaction when it writes. It does not know about
 * batching, watchers or timers: SqliteStore does.
 */
export class SqliteLog {
  private readonly selLatest: Database.Statement<[string], LatestRow>;
  private readonly selValue: Database.Statement<[number], { value: Buffer }>;
  private readonly selGet: Database.Statement<[string], ValueRow>;
  private readonly insKv: Database.Statement<[number, string, number, number, number, number, Uint8Array | null]>;
  private readonly putLatest: Database.Statement<[string, number, number, number]>;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.selLatest = db.prepare('SELECT revision, create_revision, deleted FROM kv_latest WHERE name = ?');
    this.selValue = db.prepare('SELECT value FROM kv WHERE id = ?');
    this.selGet = db.prepare(
      'SELECT l.name AS name, l.revision AS id, l.create_revision AS create_revision, k.value AS value ' +
        'FROM kv_latest l JOIN kv k ON k.id = l.revision WHERE l.name = ? AND l.deleted = 0',
    );
    this.insKv = db.prepare(
      'INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.putLatest = db.prepare(
      'INSERT OR REPLACE INTO kv_latest (name, revision, create_revision, deleted) VALUES (?, ?, ?, ?)',
    );
  }

  /** The live value of key, or undefined. */
  get(key: string): StoredValue | undefined {
    const row = this.selGet.get(key);
    return row && toStored(row);
  }

  /**
   * Applies one write as revision `revision` (the caller assigns revisions: last + 1). Conflicts
   * are results and write nothing; the caller must then not consume the revision.
   */
  apply(op: WriteOp, revision: number): Applied {
    const latest = this.selLatest.get(op.key);
    const live = latest && latest.deleted === 0 ? latest : undefined;
    const current = (): StoredValue | undefined => live && this.storedAt(op.key, live);
    switch (op.kind) {
      case 'create': {
        if (live) return { result: { ok: false, reason: 'exists', current: current() } };
        this.insKv.run(revision, op.key, 1, 0, revision, latest?.revision ?? 0, op.value);
        this.putLatest.run(op.key, revision, revision, 0);
        const value: StoredValue = { key: op.key, value: op.value, createRevision: revision, modRevision: revision };
        return { result: { ok: true, revision }, event: { type: 'put', key: op.key, value, revision } };
      }
      case 'update': {
        if (!live) return { result: { ok: false, reason: 'not-found' } };
        const previous = current() as StoredValue;
        if (live.revision !== op.expectedRevision)
          return { result: { ok: false, reason: 'conflict', current: previous } };
        this.insKv.run(revision, op.key, 0, 0, live.create_revision, live.revision, op.value);
        this.putLatest.run(op.key, revision, live.create_revision, 0);
        const value: StoredValue = {
          key: op.key,
          value: op.value,
          createRevision: live.create_revision,
          modRevision: revision,
        };
        return { result: { ok: true, revision }, event: { type: 'put', key: op.key, value, previous, revision } };
      }
      case 'delete': {
        if (!live) return { result: { ok: false, reason: 'not-found' } };
        const previous = current() as StoredValue;
        if (op.expectedRevision !== undefined && live.revision !== op.expectedRevision) {
          return { result: { ok: false, reason: 'conflict', current: previous } };
        }
        this.insKv.run(revision, op.key, 0, 1, live.create_revision, live.revision, null);
        this.putLatest.run(op.key, revision, live.create_revision, 1);
        return {
          result: { ok: true, revision, previous },
          event: { type: 'delete', key: op.key, value: previous, revision },
        };
      }
    }
  }

  /**
   * Up to `limit` live keys under prefix after `startAfter`, in key order, as of the latest state
   * (`atRevision` undefined) or as of `atRevision` (read from the log; the caller checks compaction).
   */
  list(prefix: string, startAfter: string | undefined, limit: number, atRevision?: number): StoredValue[] {
    const end = prefixEnd(prefix);
    const after = startAfter !== undefined && compareKeys(startAfter, prefix) >= 0;
    const params: Array<string | number> = [after ? (startAfter as string) : prefix];
    if (end !== undefined) params.push(end);
    const range = (col: string): string =>
      `${col} ${after ? '>' : '>='} ?${end === undefined ? '' : ` AND ${col} < ?`}`;
    let sql: string;
    if (atRevision === undefined) {
      sql =
        'SELECT l.name AS name, l.revision AS id, l.create_revision AS create_revision, k.value AS value ' +
        `FROM kv_latest l JOIN kv k ON k.id = l.revision WHERE ${range('l.name')} AND l.deleted = 0 ORDER BY l.name LIMIT ?`;
    } else {
      // Every name with rows in kv has a kv_latest row, so walk kv_latest in key order and pick each
      // name's newest row at or below the revision: LIMIT stops the walk early when paging.
      sql =
        'SELECT k.name AS name, k.id AS id, k.create_revision AS create_revision, k.value AS value FROM kv_latest l ' +
        'JOIN kv k ON k.id = (SELECT MAX(id) FROM kv WHERE name = l.name AND id <= ?) ' +
        `WHERE ${range('l.name')} AND k.deleted = 0 ORDER BY l.name LIMIT ?`;
      params.unshift(atRevision);
    }
    params.push(limit);
    return (this.statement(sql).all(...params) as ValueRow[]).map(toStored);
  }

  /** Number of live keys under prefix. */
  count(prefix: string): number {
    const end = prefixEnd(prefix);
    const sql =
      end === undefined
        ? 'SELECT count(*) AS n FROM kv_latest WHERE name >= ? AND deleted = 0'
        : 'SELECT count(*) AS n FROM kv_latest WHERE name >= ? AND name < ? AND deleted = 0';
    const params = end === undefined ? [prefix] : [prefix, end];
    return (this.statement(sql).get(...params) as { n: number }).n;
  }

  /** Watch events for keys under prefix with after < revision <= upTo, in revision order, at most limit. */
  readLog(prefix: string, after: number, upTo: number, limit: number): WatchEvent[] {
    const end = prefixEnd(prefix);
    const sql =
      'SELECT k.id, k.name, k.created, k.deleted, k.create_revision, k.value, ' +
      'p.id AS p_id, p.create_revision AS p_create, p.value AS p_value ' +
      'FROM kv k LEFT JOIN kv p ON p.id = k.prev_revision AND k.created = 0 ' +
      `WHERE k.id > ? AND k.id <= ? AND k.name >= ?${end === undefined ? '' : ' AND k.name < ?'} ORDER BY k.id LIMIT ?`;
    const params: Array<string | number> =
      end === undefined ? [after, upTo, prefix, limit] : [after, upTo, prefix, end, limit];
    return (this.statement(sql).all(...params) as LogRow[]).map(toEvent);
  }

  /**
   * Removes, for writes with revision in (from, to], the rows they superseded, plus delete
   * tombstones in that window (from kv and kv_latest). Run inside a transaction; windows must be
   * processed in increasing order. Returns the number of rows removed.
   */
  compactWindow(from: number, to: number): number {
    const superseded = this.statement(
      'DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > ? AND id <= ? AND prev_revision != 0)',
    ).run(from, to).changes;
    const tombstones = this.statement('DELETE FROM kv WHERE id > ? AND id <= ? AND deleted = 1').run(from, to).changes;
    this.statement('DELETE FROM kv_latest WHERE deleted = 1 AND revision > ? AND revision <= ?').run(from, to);
    return superseded + tombstones;
  }

  private storedAt(key: string, latest: LatestRow): StoredValue {
    const row = this.selValue.get(latest.revision);
    return { key, value: row?.value ?? EMPTY, createRevision: latest.create_revision, modRevision: latest.revision };
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

function toStored(row: ValueRow): StoredValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

function toEvent(row: LogRow): WatchEvent {
  const previous: StoredValue | undefined =
    row.p_id === null
      ? undefined
      : {
          key: row.name,
          value: row.p_value ?? EMPTY,
          createRevision: row.p_create ?? row.create_revision,
          modRevision: row.p_id,
        };
  if (row.deleted) {
    const value = previous ?? { key: row.name, value: EMPTY, createRevision: row.create_revision, modRevision: row.id };
    return { type: 'delete', key: row.name, value, revision: row.id };
  }
  const value: StoredValue = {
    key: row.name,
    value: row.value ?? EMPTY,
    createRevision: row.create_revision,
    modRevision: row.id,
  };
  return previous
    ? { type: 'put', key: row.name, value, previous, revision: row.id }
    : { type: 'put', key: row.name, value, revision: row.id };
}
