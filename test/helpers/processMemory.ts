/**
 * Reading another process's memory on Linux, for tests that must show a secret is NOT there: every
 * readable mapping of `/proc/<pid>/maps`, read through `/proc/<pid>/mem` in chunks (a same-user child
 * of the test process may be read without ptrace privileges), searched for byte patterns.
 */
import fs from "node:fs";
import { longestForm } from "./secrets";

const CHUNK = 32 * 1024 * 1024;

export interface MemoryScan {
  pid: number;
  /** Readable mappings visited, and how many of them could not be read (e.g. `[vvar]`). */
  regions: number;
  unreadable: number;
  bytesRead: number;
  /** Per needle name, whether it was seen. */
  found: Record<string, boolean>;
  /** The process was gone before its memory could be opened. */
  exited: boolean;
}

/** The process and all its descendants (children listed by the kernel for every thread). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let k = 0; k < out.length; k++) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${out[k]}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const task of tasks) {
      try {
        const children = fs.readFileSync(`/proc/${out[k]}/task/${task}/children`, "utf8").trim();
        for (const c of children.split(/\s+/).filter(Boolean)) out.push(Number(c));
      } catch {
        /* thread gone */
      }
    }
  }
  return [...new Set(out)];
}

/**
 * Searches every readable mapping of process `pid` for each needle. A process that exits before its
 * memory is opened gives an empty scan (`exited`); callers check `bytesRead` where it matters.
 */
export function scanProcessMemory(pid: number, needles: Readonly<Record<string, Uint8Array>>): MemoryScan {
  const found: Record<string, boolean> = Object.fromEntries(Object.keys(needles).map((k) => [k, false]));
  const scan: MemoryScan = { pid, regions: 0, unreadable: 0, bytesRead: 0, found, exited: false };
  let maps: string[];
  let fd: number;
  try {
    maps = fs.readFileSync(`/proc/${pid}/maps`, "utf8").trim().split("\n");
    fd = fs.openSync(`/proc/${pid}/mem`, "r");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT" && (e as NodeJS.ErrnoException).code !== "ESRCH")
      throw e;
    scan.exited = true;
    return scan;
  }
  const overlap = longestForm(needles) - 1;
  const entries = Object.entries(needles);
  const buf = Buffer.alloc(CHUNK + overlap);
  try {
    for (const line of maps) {
      const [range, perms] = line.split(/\s+/);
      if (!perms?.startsWith("r")) continue;
      const [start, end] = range.split("-").map((x) => BigInt("0x" + x));
      scan.regions++;
      let carried = 0;
      for (let at = start; at < end; ) {
        const want = Number(end - at < BigInt(CHUNK) ? end - at : BigInt(CHUNK));
        let got: number;
        try {
          got = fs.readSync(fd, buf, carried, want, at);
        } catch {
          scan.unreadable++;
          break;
        }
        if (got <= 0) break;
        scan.bytesRead += got;
        const view = buf.subarray(0, carried + got);
        for (const [name, needle] of entries)
          if (!found[name] && view.indexOf(needle) !== -1) found[name] = true;
        carried = Math.min(overlap, view.length);
        view.copy(buf, 0, view.length - carried);
        at += BigInt(got);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return scan;
}
