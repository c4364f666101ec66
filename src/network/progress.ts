/**
 * Progress of a starting network: on a TTY one line redrawn in place, otherwise a plain line each
 * time something changes (so logs stay readable).
 */
import pc from "picocolors";

export interface NodeStatus {
  ready: boolean;
  nodeAddress?: string;
  index?: number;
  epoch?: number;
  networkKey?: boolean;
  pools?: { pkpKeysRouted?: number; presignatures?: number; presignaturesTarget?: number };
}

export interface Progress {
  step(message: string): void;
  nodes(
    statuses: readonly (NodeStatus | undefined)[],
    targets: { pkpKeys: number; presignatures: number },
  ): void;
  done(message: string): void;
}

export type ProgressMode = "auto" | "tty" | "lines" | "silent";

export function createProgress(
  mode: ProgressMode = "auto",
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const tty = mode === "tty" || (mode === "auto" && stream.isTTY === true);
  if (mode === "silent") return { step() {}, nodes() {}, done() {} };
  let last = "";
  let drawn = false;
  const clear = () => {
    if (tty && drawn) stream.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    step(message) {
      clear();
      stream.write(`${tty ? pc.cyan("•") : "-"} ${message}\n`);
    },
    nodes(statuses, targets) {
      const parts = statuses.map((s, i) => {
        if (s === undefined) return `${i + 1}:…`;
        const keys = s.pools?.pkpKeysRouted ?? 0;
        const pre = s.pools?.presignatures ?? 0;
        const text = `${i + 1}:${s.networkKey ? "K" : "-"} ${keys}/${targets.pkpKeys} ${pre}/${targets.presignatures}`;
        return tty ? (s.ready ? pc.green(text) : pc.yellow(text)) : `${text}${s.ready ? " ready" : ""}`;
      });
      const ready = statuses.filter((s) => s?.ready).length;
      const line = `nodes ready ${ready}/${statuses.length}  [node:networkKey keys presignatures] ${parts.join("  ")}`;
      if (line === last) return;
      last = line;
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else {
        stream.write(`${line}\n`);
      }
    },
    done(message) {
      clear();
      stream.write(`${tty ? pc.green("✓") : "-"} ${message}\n`);
    },
  };
}
