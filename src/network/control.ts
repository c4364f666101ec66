/**
 * The launcher's control endpoint, so that faults are a user feature: `network:kill --node 3` and
 * `network:restart --node 3` (tasks/network.ts) ask the process that runs the network to kill one
 * of its nodes (a real signal, SIGKILL by default) or to start it again on its port. It listens on
 * 127.0.0.1 only, on a port the kernel picks, and every request must carry the token written with
 * its URL into network.json (mode 0600): another local user cannot kill the nodes.
 *
 *   POST /nodes/<n>/kill[?signal=SIGTERM]   n is 1-based, as `network:start` prints the nodes
 *   POST /nodes/<n>/restart
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { NetworkError } from "./errors";

export const CONTROL_TOKEN_HEADER = "x-pkp-network-control";

/** What the control endpoint does to a running network. */
export interface Controlled {
  readonly nodes: readonly { readonly process: { readonly exit?: unknown } }[];
  killNode(position: number, signal?: NodeJS.Signals): Promise<void>;
  restartNode(position: number, timeoutMs?: number): Promise<void>;
}

export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

const SIGNALS = new Set<NodeJS.Signals>(["SIGKILL", "SIGTERM", "SIGINT", "SIGSTOP", "SIGCONT"]);

export async function startControl(
  network: Controlled,
  token: string,
  /** Called after a node was killed or restarted (network.json names the new pid). */
  changed: () => void,
): Promise<ControlServer> {
  const expected = Buffer.from(token);
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const given = Buffer.from(String(req.headers[CONTROL_TOKEN_HEADER] ?? ""));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return answer(res, 401, { error: "missing or wrong control token (see network.json)" });
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/nodes\/(\d{1,4})\/(kill|restart)$/.exec(url.pathname);
    if (req.method !== "POST" || m === null) return answer(res, 404, { error: "no such control route" });
    const node = Number(m[1]);
    if (node < 1 || node > network.nodes.length)
      return answer(res, 400, {
        error: `no node ${node}: the network has nodes 1 to ${network.nodes.length}`,
      });
    const position = node - 1;
    const running = network.nodes[position].process.exit === undefined;
    if (m[2] === "kill") {
      const signal = (url.searchParams.get("signal") ?? "SIGKILL").toUpperCase() as NodeJS.Signals;
      if (!SIGNALS.has(signal))
        return answer(res, 400, { error: `signal ${signal} is not one of ${[...SIGNALS].join(", ")}` });
      if (!running) return answer(res, 409, { error: `node ${node} is not running` });
      if (signal === "SIGSTOP" || signal === "SIGCONT") {
        // A paused node keeps its process: nothing to wait for.
        void network.killNode(position, signal).catch(() => undefined);
        return answer(res, 200, { node, signal });
      }
      await network.killNode(position, signal);
      changed();
      return answer(res, 200, { node, signal, running: false });
    }
    if (running) return answer(res, 409, { error: `node ${node} is running: kill it first` });
    await network.restartNode(position, 120_000);
    changed();
    return answer(res, 200, { node, running: true });
  };
  const server = createServer((req, res) => {
    // The body is never read: drain it.
    req.resume();
    handle(req, res).catch((e: unknown) => answer(res, 500, { error: (e as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Asks a running network's launcher to kill or restart node `node` (1-based). */
export async function controlNode(
  control: { url: string; token: string },
  node: number,
  action: "kill" | "restart",
  signal?: string,
): Promise<{ node: number; signal?: string; running?: boolean }> {
  const query = action === "kill" && signal !== undefined ? `?signal=${encodeURIComponent(signal)}` : "";
  let res: Response;
  try {
    res = await fetch(`${control.url}/nodes/${node}/${action}${query}`, {
      method: "POST",
      headers: { [CONTROL_TOKEN_HEADER]: control.token },
    });
  } catch (e) {
    throw new NetworkError(
      `the network's launcher does not answer at ${control.url}: is network:start running?`,
      {
        cause: e,
      },
    );
  }
  const body = (await res.json()) as { error?: string; node: number; signal?: string; running?: boolean };
  if (!res.ok) throw new NetworkError(`network:${action} node ${node}: ${body.error ?? res.status}`);
  return body;
}
