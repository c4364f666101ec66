/**
 * The node's durable state as the protocol drivers and signing sessions use it: the network BLS
 * key share, PKP key shares, presignatures and their claims. One better-sqlite3 database under the
 * data directory (WAL, synchronous=FULL: a committed write survives kill -9); every secret value is
 * sealed with ChaCha20-Poly1305 under HKDF-SHA256(node key), with the table and row key as
 * associated data so a value cannot be moved to another row.
 *
 * A presignature goes free → (assigned by the leader) → used; `claimPresignature` is the one durable
 * transition to used and refuses a second claim, also after a restart.
 *
 * This is the node's own adapter; `src/node/storage` (another helper's work) can replace it behind
 * the same methods.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { chacha20poly1305 } from "@noble/ciphers/chacha";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { randomBytes, utf8ToBytes } from "@noble/hashes/utils";
import { ConflictError, NotFoundError } from "./errors";

export type PresignatureState = "free" | "assigned" | "used";

export interface StoredPresignature {
  readonly id: string;
  readonly holders: readonly number[];
  readonly state: PresignatureState;
  readonly requestKey: string | null;
  /** Presignature.toJSON() (secret). */
  readonly json: unknown;
}

export class NodeStore {
  readonly #db: Database.Database;
  readonly #key: Uint8Array;

  constructor(dataDir: string, nodeSecret: Uint8Array) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.#db = new Database(path.join(dataDir, "node.sqlite"));
    this.#db.pragma("journal_mode = WAL");
    this.#db.pragma("synchronous = FULL");
    this.#key = hkdf(
      sha256,
      nodeSecret,
      utf8ToBytes("pkp-network/node-store/v1"),
      utf8ToBytes("at-rest"),
      32,
    );
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS pkp_keys (pubkey TEXT PRIMARY KEY, value BLOB NOT NULL, routed INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS presignatures (id TEXT PRIMARY KEY, holders TEXT NOT NULL, state TEXT NOT NULL, request_key TEXT, value BLOB NOT NULL, created INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS presignatures_state ON presignatures(state);
    `);
  }

  #seal(table: string, key: string, value: unknown): Buffer {
    const nonce = randomBytes(12);
    const box = chacha20poly1305(this.#key, nonce, utf8ToBytes(`${table}\0${key}`)).encrypt(
      utf8ToBytes(JSON.stringify(value)),
    );
    return Buffer.concat([nonce, box]);
  }

  #open(table: string, key: string, sealed: Buffer): unknown {
    const bytes = new Uint8Array(sealed);
    const plain = chacha20poly1305(this.#key, bytes.subarray(0, 12), utf8ToBytes(`${table}\0${key}`)).decrypt(
      bytes.subarray(12),
    );
    return JSON.parse(new TextDecoder().decode(plain));
  }

  // ---- network key ----

  getSecret(name: string): unknown {
    const row = this.#db.prepare("SELECT value FROM kv WHERE name = ?").get(name) as
      | { value: Buffer }
      | undefined;
    return row === undefined ? undefined : this.#open("kv", name, row.value);
  }

  putSecret(name: string, value: unknown): void {
    this.#db
      .prepare("INSERT OR REPLACE INTO kv (name, value) VALUES (?, ?)")
      .run(name, this.#seal("kv", name, value));
  }

  // ---- PKP key shares ----

  putPkpKeys(keys: readonly { pubkey: string; share: unknown }[]): void {
    const insert = this.#db.prepare(
      "INSERT OR IGNORE INTO pkp_keys (pubkey, value, routed, created) VALUES (?, ?, 0, ?)",
    );
    this.#db.transaction(() => {
      for (const k of keys) insert.run(k.pubkey, this.#seal("pkp_keys", k.pubkey, k.share), Date.now());
    })();
  }

  markRouted(pubkeys: readonly string[]): void {
    const update = this.#db.prepare("UPDATE pkp_keys SET routed = 1 WHERE pubkey = ?");
    this.#db.transaction(() => {
      for (const p of pubkeys) update.run(p);
    })();
  }

  getPkpKey(pubkey: string): unknown {
    const row = this.#db.prepare("SELECT value FROM pkp_keys WHERE pubkey = ?").get(pubkey) as
      | { value: Buffer }
      | undefined;
    return row === undefined ? undefined : this.#open("pkp_keys", pubkey, row.value);
  }

  countPkpKeys(): { total: number; routed: number } {
    const row = this.#db
      .prepare("SELECT COUNT(*) AS total, COALESCE(SUM(routed), 0) AS routed FROM pkp_keys")
      .get() as { total: number; routed: number };
    return row;
  }

  // ---- presignatures ----

  putPresignatures(list: readonly { id: string; holders: readonly number[]; json: unknown }[]): void {
    const insert = this.#db.prepare(
      "INSERT OR IGNORE INTO presignatures (id, holders, state, request_key, value, created) VALUES (?, ?, 'free', NULL, ?, ?)",
    );
    this.#db.transaction(() => {
      for (const p of list)
        insert.run(p.id, JSON.stringify(p.holders), this.#seal("presignatures", p.id, p.json), Date.now());
    })();
  }

  countPresignatures(): Record<PresignatureState, number> {
    const rows = this.#db.prepare("SELECT state, COUNT(*) AS c FROM presignatures GROUP BY state").all() as {
      state: PresignatureState;
      c: number;
    }[];
    const out: Record<PresignatureState, number> = { free: 0, assigned: 0, used: 0 };
    for (const r of rows) out[r.state] = r.c;
    return out;
  }

  /** Every free presignature id. */
  freeIds(): string[] {
    return (
      this.#db.prepare("SELECT id FROM presignatures WHERE state = 'free'").all() as { id: string }[]
    ).map((r) => r.id);
  }

  /** Free presignatures whose holders include every member of `set`, oldest first. */
  freePresignatureIds(set: readonly number[], filter: (id: string) => boolean, limit = 64): string[] {
    const rows = this.#db
      .prepare("SELECT id, holders FROM presignatures WHERE state = 'free' ORDER BY created, id")
      .all() as { id: string; holders: string }[];
    const out: string[] = [];
    for (const r of rows) {
      if (!filter(r.id)) continue;
      const holders = new Set(JSON.parse(r.holders) as number[]);
      if (set.every((i) => holders.has(i))) out.push(r.id);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Leader: durably marks a free presignature assigned to a request. False if it was not free. */
  assignPresignature(id: string, requestKey: string): boolean {
    const r = this.#db
      .prepare("UPDATE presignatures SET state = 'assigned', request_key = ? WHERE id = ? AND state = 'free'")
      .run(requestKey, id);
    return r.changes === 1;
  }

  /** Marks presignatures another leader assigned as no longer free here (they will never be used by us). */
  markSpent(ids: readonly string[], requestKey: string): void {
    const update = this.#db.prepare(
      "UPDATE presignatures SET state = 'assigned', request_key = COALESCE(request_key, ?) WHERE id = ? AND state = 'free'",
    );
    this.#db.transaction(() => {
      for (const id of ids) update.run(requestKey, id);
    })();
  }

  /**
   * Durably claims a presignature for one request before any share of it is computed. Refuses a
   * presignature already used (by any request: a presignature signs once), or assigned to another
   * request. Returns its secret JSON.
   */
  claimPresignature(id: string, requestKey: string): unknown {
    return this.#db.transaction(() => {
      const row = this.#db
        .prepare("SELECT state, request_key, value FROM presignatures WHERE id = ?")
        .get(id) as { state: PresignatureState; request_key: string | null; value: Buffer } | undefined;
      if (row === undefined)
        throw new NotFoundError(`presignature ${id} is not held by this node`, {
          reason: "UnknownPresignature",
        });
      if (row.state === "used")
        throw new ConflictError(`presignature ${id} was already used`, { reason: "PresignatureUsed" });
      if (row.state === "assigned" && row.request_key !== null && row.request_key !== requestKey)
        throw new ConflictError(`presignature ${id} is assigned to another request`, {
          reason: "PresignatureAssigned",
        });
      this.#db
        .prepare("UPDATE presignatures SET state = 'used', request_key = ? WHERE id = ?")
        .run(requestKey, id);
      return this.#open("presignatures", id, row.value);
    })();
  }

  presignatureState(id: string): PresignatureState | undefined {
    const row = this.#db.prepare("SELECT state FROM presignatures WHERE id = ?").get(id) as
      | { state: PresignatureState }
      | undefined;
    return row?.state;
  }

  close(): void {
    this.#db.close();
  }
}
