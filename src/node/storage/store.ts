/**
 * A node's durable state: an SQLite database (better-sqlite3) under the node's data directory, in
 * WAL mode with `synchronous=FULL` (a committed transaction survives a crash or `kill -9`), every
 * secret sealed (see `sealing.ts`).
 *
 * Presignatures are single-use: `claimForUse` marks one used and erases its sealed value in one
 * immediate transaction, committed before the value is returned. A presignature is therefore
 * handed out at most once, across restarts and across processes sharing the file; a crash between
 * the claim and its use loses that presignature, never reuses it.
 *
 * A presignature is made for one signing set (`signing_set`: the participants of the batch that made
 * it, fixed then) and owned by one node of that set (the only leader that may assign it). It goes
 * free → assigned (to one request, at its owner, with the owner's decision in the same durable
 * transaction, so a restarted leader repeats it) → used (`claimForUse`: the value is read once and
 * erased, durably, before any share is computed). An assigned presignature can only be claimed by
 * the request it was assigned to; every holder claims its own copy once, so no holder ever releases
 * two shares of one presignature (docs/architecture.md, "Presignatures").
 *
 * Over 400 lines on purpose: one repository over one SQLite file, whose transactions (the
 * presignature life cycle above) must stay together.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { ConflictError, InternalError, NotFoundError, type NodeErrorOptions } from "../errors";
import { associatedData, deriveStorageKey, open, seal } from "./sealing";

/** A sealed value failed to open: altered on disk, moved between rows, or sealed under another key. */
export class SealedValueError extends InternalError {
  override name = "SealedValueError";
  constructor(
    readonly table: string,
    readonly rowKey: string,
  ) {
    super(`stored value ${table}/${rowKey} does not open with this node's key (tampered or foreign)`, {
      reason: "SealedValueRejected",
    });
  }
}

/** The database was created with another node secret key. */
export class WrongStorageKeyError extends InternalError {
  override name = "WrongStorageKeyError";
  constructor(file: string, options?: NodeErrorOptions) {
    super(`${file} was sealed with another node key`, { reason: "WrongNodeKey", ...options });
  }
}

export interface OpenStoreOptions {
  /** The node's data directory (created if missing, mode 0700). */
  dataDir: string;
  /** The node's secret key (≥ 32 bytes); the storage key is derived from it. */
  nodeSecretKey: Uint8Array;
  /** Database file name inside `dataDir` (default `node.db`). */
  fileName?: string;
  /** Clock for timestamps (default `Date.now`). */
  now?: () => number;
}

export interface PresignatureClaim {
  requestId: string;
  claimedAt: number;
}

export type PresignatureState = "free" | "assigned" | "used";

export interface NewPresignature {
  id: string;
  value: Uint8Array;
  /** The participants (1-based) holding a share of it; required to pick it for a signing set. */
  holders?: readonly number[];
  /** The participant (1-based) whose leadership may assign it (fixed when it is made). */
  owner?: number;
  /** The only signing set (participants, 1-based, ascending) it may serve (fixed when it is made). */
  signingSet?: readonly number[];
}

/** A free presignature as a leader picks it: its signing set and who confirmed holding it. */
export interface FreePresignature {
  id: string;
  signingSet: number[] | undefined;
  holders: number[];
}

export interface FreePresignatureQuery {
  /** Only presignatures whose holders include every one of these participants. */
  holdersInclude?: readonly number[];
  /** Only ids this accepts. */
  filter?: (id: string) => boolean;
  /** Only presignatures recorded with this owner. */
  owner?: number;
  /** At most this many (default: all). */
  limit?: number;
}

const MAX_ROW_KEY = 256;
const CHECK_PLAINTEXT = new TextEncoder().encode("pkp-network storage key check");

type Table = "key_shares" | "network_key_shares" | "presignatures" | "kv" | "meta" | "decisions";

function checkHolders(holders: readonly number[]): void {
  if (!Array.isArray(holders) || holders.some((h) => !Number.isSafeInteger(h) || h < 1)) {
    throw new RangeError("presignature holders must be positive integers (1-based participants)");
  }
}

/** Adds a column to a table created by an earlier version of this store. */
function addColumn(db: Database.Database, table: string, column: string, definition: string): void {
  const columns = db.pragma(`table_info(${table})`) as { name: string }[];
  if (!columns.some((c) => c.name === column))
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
}

function checkRowKey(what: string, key: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_ROW_KEY) {
    throw new RangeError(`${what} must be a string of 1..${MAX_ROW_KEY} characters`);
  }
}

export class NodeStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly key: Uint8Array;
  private readonly now: () => number;
  /** Prepared statements by SQL text (better-sqlite3 does not cache them; preparing costs more than most queries). */
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(file: string, db: Database.Database, key: Uint8Array, now: () => number) {
    this.file = file;
    this.db = db;
    this.key = key;
    this.now = now;
  }

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (st === undefined) {
      st = this.db.prepare(text);
      if (this.statements.size >= 256) this.statements.clear();
      this.statements.set(text, st);
    }
    return st;
  }

  /** Opens (or creates) the store; refuses a database sealed under another node key. */
  static open(options: OpenStoreOptions): NodeStore {
    const key = deriveStorageKey(options.nodeSecretKey);
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(options.dataDir, options.fileName ?? "node.db");
    const db = new Database(file);
    try {
      fs.chmodSync(file, 0o600);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma("busy_timeout = 10000");
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS key_shares (
          key_id TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS network_key_shares (
          key_id TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS presignatures (
          id TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL,
          claimed_by TEXT, claimed_at INTEGER) STRICT;
        CREATE INDEX IF NOT EXISTS presignatures_unused ON presignatures (created_at, id) WHERE claimed_by IS NULL;
        CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
        CREATE TABLE IF NOT EXISTS decisions (
          request_id TEXT PRIMARY KEY, value BLOB NOT NULL, created_at INTEGER NOT NULL) STRICT;
      `);
      addColumn(db, "key_shares", "routed", "INTEGER NOT NULL DEFAULT 0");
      addColumn(db, "presignatures", "holders", "TEXT");
      addColumn(db, "presignatures", "assigned_to", "TEXT");
      addColumn(db, "presignatures", "owner", "INTEGER");
      addColumn(db, "presignatures", "signing_set", "TEXT");
      const store = new NodeStore(file, db, key, options.now ?? Date.now);
      store.checkKey();
      return store;
    } catch (e) {
      db.close();
      key.fill(0);
      throw e;
    }
  }

  /** Closes the database and wipes the storage key from memory. */
  close(): void {
    if (this.db.open) this.db.close();
    this.key.fill(0);
  }

  /** A sealed constant written at creation: a wrong node key is refused at open, not at first read. */
  private checkKey(): void {
    const aad = associatedData("meta", "key-check");
    const row = this.sql("SELECT value FROM meta WHERE key = 'key-check'").get() as
      | { value: Buffer }
      | undefined;
    if (row === undefined) {
      this.sql("INSERT INTO meta (key, value) VALUES ('key-check', ?)").run(
        seal(this.key, aad, CHECK_PLAINTEXT),
      );
      return;
    }
    const plain = open(this.key, aad, row.value);
    if (plain === undefined || Buffer.compare(Buffer.from(plain), Buffer.from(CHECK_PLAINTEXT)) !== 0) {
      throw new WrongStorageKeyError(this.file);
    }
  }

  private sealRow(table: Table, rowKey: string, value: Uint8Array): Buffer {
    return Buffer.from(seal(this.key, associatedData(table, rowKey), value));
  }

  private openRow(table: Table, rowKey: string, sealed: Uint8Array): Uint8Array {
    const plain = open(this.key, associatedData(table, rowKey), sealed);
    if (plain === undefined) throw new SealedValueError(table, rowKey);
    return plain;
  }

  /** Insert-only: a stored key share is never replaced (an identical re-insert is a no-op). */
  private insertOnce(table: "key_shares" | "network_key_shares", keyId: string, value: Uint8Array): void {
    checkRowKey("key id", keyId);
    this.db
      .transaction(() => {
        const row = this.sql(`SELECT value FROM ${table} WHERE key_id = ?`).get(keyId) as
          | { value: Buffer }
          | undefined;
        if (row !== undefined) {
          const existing = this.openRow(table, keyId, row.value);
          if (Buffer.compare(Buffer.from(existing), Buffer.from(value)) === 0) return;
          throw new ConflictError(`a different share for key ${keyId} is already stored`, {
            reason: "KeyShareExists",
          });
        }
        this.sql(`INSERT INTO ${table} (key_id, value, created_at) VALUES (?, ?, ?)`).run(
          keyId,
          this.sealRow(table, keyId, value),
          this.now(),
        );
      })
      .immediate();
  }

  private getShare(table: "key_shares" | "network_key_shares", keyId: string): Uint8Array | undefined {
    checkRowKey("key id", keyId);
    const row = this.sql(`SELECT value FROM ${table} WHERE key_id = ?`).get(keyId) as
      | { value: Buffer }
      | undefined;
    return row === undefined ? undefined : this.openRow(table, keyId, row.value);
  }

  // ---- key shares (one per routed PKP key, by key id) ----

  putKeyShare(keyId: string, share: Uint8Array): void {
    this.insertOnce("key_shares", keyId, share);
  }

  getKeyShare(keyId: string): Uint8Array | undefined {
    return this.getShare("key_shares", keyId);
  }

  /** Inserts a batch of key shares in one transaction, with `putKeyShare`'s rules for each. */
  putKeyShares(batch: readonly { keyId: string; share: Uint8Array }[]): void {
    this.db
      .transaction(() => {
        for (const k of batch) this.insertOnce("key_shares", k.keyId, k.share);
      })
      .immediate();
  }

  /** Marks key shares as routed on chain; returns how many were newly marked. */
  markKeySharesRouted(keyIds: readonly string[]): number {
    for (const id of keyIds) checkRowKey("key id", id);
    const update = this.sql("UPDATE key_shares SET routed = 1 WHERE key_id = ? AND routed = 0");
    return this.db.transaction(() => keyIds.reduce((n, id) => n + update.run(id).changes, 0)).immediate();
  }

  countKeyShares(): { total: number; routed: number } {
    return this.sql("SELECT count(*) AS total, COALESCE(SUM(routed), 0) AS routed FROM key_shares").get() as {
      total: number;
      routed: number;
    };
  }

  keyShareIds(): string[] {
    return (
      this.sql("SELECT key_id FROM key_shares ORDER BY created_at, key_id").all() as {
        key_id: string;
      }[]
    ).map((r) => r.key_id);
  }

  // ---- the network's BLS key share (by key id, e.g. per epoch) ----

  putNetworkKeyShare(keyId: string, share: Uint8Array): void {
    this.insertOnce("network_key_shares", keyId, share);
  }

  getNetworkKeyShare(keyId: string): Uint8Array | undefined {
    return this.getShare("network_key_shares", keyId);
  }

  // ---- presignatures ----

  /** Inserts a batch in one transaction; an id already present refuses the whole batch. */
  insertPresignatures(batch: readonly NewPresignature[]): void {
    for (const p of batch) {
      checkRowKey("presignature id", p.id);
      if (p.holders !== undefined) checkHolders(p.holders);
      if (p.owner !== undefined) checkHolders([p.owner]);
      if (p.signingSet !== undefined) checkHolders(p.signingSet);
    }
    const insert = this.sql(
      "INSERT INTO presignatures (id, value, created_at, holders, owner, signing_set) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    );
    this.db
      .transaction(() => {
        const at = this.now();
        for (const p of batch) {
          const holders = p.holders === undefined ? null : JSON.stringify(p.holders);
          const { changes } = insert.run(
            p.id,
            this.sealRow("presignatures", p.id, p.value),
            at,
            holders,
            p.owner ?? null,
            p.signingSet === undefined ? null : JSON.stringify([...p.signingSet].sort((a, b) => a - b)),
          );
          if (changes !== 1) {
            throw new ConflictError(`presignature ${p.id} already exists`, { reason: "PresignatureExists" });
          }
        }
      })
      .immediate();
  }

  /**
   * Marks presignature `id` used by `requestId`, durably, and only then returns its value. Its
   * sealed value is erased in the same transaction. A second claim, by any request, is refused, and
   * so is a claim by another request than the one the presignature was assigned to.
   */
  claimForUse(id: string, requestId: string): Uint8Array {
    checkRowKey("presignature id", id);
    checkRowKey("request id", requestId);
    return this.db
      .transaction(() => {
        const row = this.sql("SELECT value, claimed_by, assigned_to FROM presignatures WHERE id = ?").get(
          id,
        ) as { value: Buffer; claimed_by: string | null; assigned_to: string | null } | undefined;
        if (row === undefined) {
          throw new NotFoundError(`no presignature ${id}`, { reason: "PresignatureNotFound" });
        }
        if (row.claimed_by !== null) {
          throw new ConflictError(`presignature ${id} was already used (by ${row.claimed_by})`, {
            reason: "PresignatureAlreadyUsed",
          });
        }
        if (row.assigned_to !== null && row.assigned_to !== requestId) {
          throw new ConflictError(`presignature ${id} is assigned to another request`, {
            reason: "PresignatureAssigned",
          });
        }
        const value = this.openRow("presignatures", id, row.value);
        this.sql(
          "UPDATE presignatures SET claimed_by = ?, claimed_at = ?, value = X'' WHERE id = ? AND claimed_by IS NULL",
        ).run(requestId, this.now(), id);
        return value;
      })
      .immediate();
  }

  /**
   * Who may assign presignature `id` and the only signing set it may serve, as recorded when it was
   * made (undefined: this node holds no such presignature).
   */
  presignatureOrigin(id: string): { owner?: number; signingSet?: number[] } | undefined {
    checkRowKey("presignature id", id);
    const row = this.sql("SELECT owner, signing_set FROM presignatures WHERE id = ?").get(id) as
      | { owner: number | null; signing_set: string | null }
      | undefined;
    if (row === undefined) return undefined;
    return {
      owner: row.owner ?? undefined,
      signingSet: row.signing_set === null ? undefined : (JSON.parse(row.signing_set) as number[]),
    };
  }

  /** Free presignatures owned by `owner`, oldest first, with their signing sets and confirmed holders. */
  freePresignaturesOf(owner: number, limit = Infinity): FreePresignature[] {
    checkHolders([owner]);
    const out: FreePresignature[] = [];
    const rows = this.sql(
      "SELECT id, holders, signing_set FROM presignatures WHERE claimed_by IS NULL AND assigned_to IS NULL AND owner = ? ORDER BY created_at, id",
    ).iterate(owner) as IterableIterator<{ id: string; holders: string | null; signing_set: string | null }>;
    for (const r of rows) {
      out.push({
        id: r.id,
        signingSet: r.signing_set === null ? undefined : (JSON.parse(r.signing_set) as number[]),
        holders: r.holders === null ? [] : (JSON.parse(r.holders) as number[]),
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Deletes the free presignatures of `owner` beyond its newest `keep`, oldest first: what a holder
   * keeps of one owner's batches is bounded, whatever that owner starts. Returns how many went.
   */
  trimFreePresignatures(owner: number, keep: number): number {
    checkHolders([owner]);
    return this.sql(
      `DELETE FROM presignatures WHERE id IN (
         SELECT id FROM presignatures WHERE claimed_by IS NULL AND assigned_to IS NULL AND owner = ?
         ORDER BY created_at DESC, id DESC LIMIT -1 OFFSET ?)`,
    ).run(owner, Math.max(0, Math.floor(keep))).changes;
  }

  /**
   * Deletes free presignatures of `owner` made before `before` (ms) that some member of their signing
   * set never said it stored: they can serve no request. Returns how many went.
   */
  dropUnconfirmedPresignatures(owner: number, before: number): number {
    checkHolders([owner]);
    return this.sql(
      `DELETE FROM presignatures WHERE claimed_by IS NULL AND assigned_to IS NULL AND owner = ?
         AND created_at < ? AND signing_set IS NOT NULL
         AND (holders IS NULL OR json_array_length(holders) < json_array_length(signing_set))`,
    ).run(owner, before).changes;
  }

  /** Who used presignature `id`, if anyone. */
  presignatureClaim(id: string): PresignatureClaim | undefined {
    const row = this.sql("SELECT claimed_by, claimed_at FROM presignatures WHERE id = ?").get(id) as
      | { claimed_by: string | null; claimed_at: number | null }
      | undefined;
    if (row === undefined || row.claimed_by === null) return undefined;
    return { requestId: row.claimed_by, claimedAt: row.claimed_at as number };
  }

  /** Up to `limit` unused presignature ids, oldest first (for a leader to pick from). */
  unusedPresignatureIds(limit: number): string[] {
    return (
      this.sql("SELECT id FROM presignatures WHERE claimed_by IS NULL ORDER BY created_at, id LIMIT ?").all(
        limit,
      ) as { id: string }[]
    ).map((r) => r.id);
  }

  /**
   * Free (neither assigned nor used) presignature ids, oldest first. With `holdersInclude`, only
   * those whose recorded holders include every listed participant.
   */
  freePresignatureIds(query: FreePresignatureQuery = {}): string[] {
    const { holdersInclude, filter, owner, limit = Infinity } = query;
    if (holdersInclude !== undefined) checkHolders(holdersInclude);
    const out: string[] = [];
    if (limit <= 0) return out;
    const free = "claimed_by IS NULL AND assigned_to IS NULL";
    const rows = (
      owner === undefined
        ? this.sql(`SELECT id, holders FROM presignatures WHERE ${free} ORDER BY created_at, id`).iterate()
        : this.sql(
            `SELECT id, holders FROM presignatures WHERE ${free} AND owner = ? ORDER BY created_at, id`,
          ).iterate(owner)
    ) as IterableIterator<{ id: string; holders: string | null }>;
    for (const r of rows) {
      if (filter !== undefined && !filter(r.id)) continue;
      if (holdersInclude !== undefined) {
        if (r.holders === null) continue;
        const holders = new Set(JSON.parse(r.holders) as number[]);
        if (!holdersInclude.every((i) => holders.has(i))) continue;
      }
      out.push(r.id);
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Records that participant `holder` holds a share of each of `ids` (it said so after it stored
   * them), for the presignatures this store has; returns how many rows changed. A presignature is
   * picked for a signing set only when every member is a recorded holder, so it is recorded as held
   * only by those that confirmed it, never by those that merely took part in its batch.
   */
  addPresignatureHolder(ids: readonly string[], holder: number): number {
    checkHolders([holder]);
    for (const id of ids) checkRowKey("presignature id", id);
    const read = this.sql("SELECT holders FROM presignatures WHERE id = ?");
    const write = this.sql("UPDATE presignatures SET holders = ? WHERE id = ?");
    return this.db
      .transaction(() => {
        let changed = 0;
        for (const id of ids) {
          const row = read.get(id) as { holders: string | null } | undefined;
          if (row === undefined) continue;
          const holders = new Set(row.holders === null ? [] : (JSON.parse(row.holders) as number[]));
          if (holders.has(holder)) continue;
          holders.add(holder);
          write.run(JSON.stringify([...holders].sort((a, b) => a - b)), id);
          changed++;
        }
        return changed;
      })
      .immediate();
  }

  /** Free presignatures per recorded owner (those made without an owner are not counted). */
  freePresignaturesByOwner(): Map<number, number> {
    const rows = this.sql(
      "SELECT owner, count(*) AS n FROM presignatures WHERE claimed_by IS NULL AND assigned_to IS NULL AND owner IS NOT NULL GROUP BY owner",
    ).all() as { owner: number; n: number }[];
    return new Map(rows.map((r) => [r.owner, r.n]));
  }

  /** The participants recorded as holding presignature `id` (undefined: unknown id or not recorded). */
  presignatureHolders(id: string): number[] | undefined {
    const row = this.sql("SELECT holders FROM presignatures WHERE id = ?").get(id) as
      | { holders: string | null }
      | undefined;
    if (row === undefined || row.holders === null) return undefined;
    return JSON.parse(row.holders) as number[];
  }

  presignatureState(id: string): PresignatureState | undefined {
    const row = this.sql("SELECT claimed_by, assigned_to FROM presignatures WHERE id = ?").get(id) as
      | { claimed_by: string | null; assigned_to: string | null }
      | undefined;
    if (row === undefined) return undefined;
    if (row.claimed_by !== null) return "used";
    return row.assigned_to !== null ? "assigned" : "free";
  }

  presignatureCounts(): Record<PresignatureState, number> {
    return this.sql(
      `SELECT COALESCE(SUM(claimed_by IS NULL AND assigned_to IS NULL), 0) AS free,
                COALESCE(SUM(claimed_by IS NULL AND assigned_to IS NOT NULL), 0) AS assigned,
                COALESCE(SUM(claimed_by IS NOT NULL), 0) AS used
         FROM presignatures`,
    ).get() as Record<PresignatureState, number>;
  }

  /** Free presignatures with at least `minHolders` recorded holders (usable by a signing set of that size). */
  usablePresignatureCount(minHolders: number): number {
    const row = this.sql(
      `SELECT count(*) AS n FROM presignatures
         WHERE claimed_by IS NULL AND assigned_to IS NULL AND holders IS NOT NULL
           AND json_array_length(holders) >= ?`,
    ).get(minHolders) as { n: number };
    return row.n;
  }

  /**
   * Leader: durably assigns free presignature `id` to `requestId` and, in the same transaction,
   * stores the leader's `decision` for that request (sealed). False if the presignature is not
   * free (unknown, assigned or used). A second decision for the same request is refused.
   */
  assignPresignature(id: string, requestId: string, decision?: unknown): boolean {
    checkRowKey("presignature id", id);
    checkRowKey("request id", requestId);
    return this.db
      .transaction(() => {
        const { changes } = this.sql(
          "UPDATE presignatures SET assigned_to = ? WHERE id = ? AND claimed_by IS NULL AND assigned_to IS NULL",
        ).run(requestId, id);
        if (changes !== 1) return false;
        if (decision !== undefined) {
          const inserted = this.sql(
            "INSERT INTO decisions (request_id, value, created_at) VALUES (?, ?, ?) ON CONFLICT (request_id) DO NOTHING",
          ).run(
            requestId,
            this.sealRow("decisions", requestId, new TextEncoder().encode(JSON.stringify(decision))),
            this.now(),
          );
          if (inserted.changes !== 1) {
            throw new ConflictError(`a decision for request ${requestId} is already stored`, {
              reason: "DecisionExists",
            });
          }
        }
        return true;
      })
      .immediate();
  }

  /** The decision stored with `assignPresignature` for `requestId`, if any. */
  leaderDecision<T>(requestId: string): T | undefined {
    checkRowKey("request id", requestId);
    const row = this.sql("SELECT value FROM decisions WHERE request_id = ?").get(requestId) as
      | { value: Buffer }
      | undefined;
    if (row === undefined) return undefined;
    return JSON.parse(new TextDecoder().decode(this.openRow("decisions", requestId, row.value))) as T;
  }

  countUnusedPresignatures(): number {
    return (
      this.sql("SELECT count(*) AS n FROM presignatures WHERE claimed_by IS NULL").get() as {
        n: number;
      }
    ).n;
  }

  // ---- small key/value store for node state (sealed too) ----

  kvPut(key: string, value: Uint8Array): void {
    checkRowKey("kv key", key);
    this.sql(
      "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(key, this.sealRow("kv", key, value));
  }

  kvGet(key: string): Uint8Array | undefined {
    checkRowKey("kv key", key);
    const row = this.sql("SELECT value FROM kv WHERE key = ?").get(key) as { value: Buffer } | undefined;
    return row === undefined ? undefined : this.openRow("kv", key, row.value);
  }

  kvDelete(key: string): boolean {
    checkRowKey("kv key", key);
    return this.sql("DELETE FROM kv WHERE key = ?").run(key).changes === 1;
  }

  kvPutJson(key: string, value: unknown): void {
    this.kvPut(key, new TextEncoder().encode(JSON.stringify(value)));
  }

  kvGetJson<T>(key: string): T | undefined {
    const bytes = this.kvGet(key);
    return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as T);
  }
}
