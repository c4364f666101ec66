/**
 * Everything a node keeps, decrypted the way the node itself decrypts it: every sealed row of every
 * table of its SQLite store, opened with the storage key derived from the node's secret key and the
 * row's associated data (table, row key). A row that does not open is reported, not skipped.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { nodeSecretBytes } from "../../src/node/keys";
import { deriveStorageKey } from "../../src/node/storage";
import { associatedData, open } from "../../src/node/storage/sealing";

/** The sealed tables of NodeStore and the column that is each row's key (the associated data). */
export const SEALED_TABLES = {
  meta: "key",
  key_shares: "key_id",
  network_key_shares: "key_id",
  presignatures: "id",
  kv: "key",
  decisions: "request_id",
} as const;

export interface StoredValue {
  table: keyof typeof SEALED_TABLES;
  rowKey: string;
  /** The decrypted value; empty for a used presignature (its sealed value is erased). */
  plain: Uint8Array;
}

export interface StoreDump {
  values: StoredValue[];
  /** Rows whose sealed value did not open with this node's key. */
  unopened: { table: string; rowKey: string }[];
  /** Rows per table, as SQLite counts them. */
  rows: Record<string, number>;
}

/** Opens (read-only) `node.db` under `dataDir` and decrypts every row. */
export function dumpNodeStore(dataDir: string, nodePrivateKey: string, fileName = "node.db"): StoreDump {
  const key = deriveStorageKey(nodeSecretBytes(nodePrivateKey));
  const db = new Database(path.join(dataDir, fileName), { readonly: true, fileMustExist: true });
  const dump: StoreDump = { values: [], unopened: [], rows: {} };
  try {
    for (const [table, keyColumn] of Object.entries(SEALED_TABLES) as [
      keyof typeof SEALED_TABLES,
      string,
    ][]) {
      const rows = db.prepare(`SELECT ${keyColumn} AS k, value FROM ${table}`).all() as {
        k: string;
        value: Buffer;
      }[];
      dump.rows[table] = rows.length;
      for (const r of rows) {
        if (table === "presignatures" && r.value.length === 0) {
          dump.values.push({ table, rowKey: r.k, plain: new Uint8Array(0) });
          continue;
        }
        const plain = open(key, associatedData(table, r.k), r.value);
        if (plain === undefined) dump.unopened.push({ table, rowKey: r.k });
        else dump.values.push({ table, rowKey: r.k, plain });
      }
    }
  } finally {
    db.close();
    key.fill(0);
  }
  return dump;
}

/** The files of the store on disk: the database and its WAL and shared-memory files, if present. */
export function storeFiles(dataDir: string, fileName = "node.db"): string[] {
  return fs
    .readdirSync(dataDir)
    .filter((f) => f === fileName || f.startsWith(`${fileName}-`))
    .map((f) => path.join(dataDir, f));
}
