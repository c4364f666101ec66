/**
 * TCP ports on 127.0.0.1. A server the launcher starts never takes a port it was told was free: the
 * launcher binds each node's listening socket itself (`holdPort`, port 0 unless one is asked for) and
 * hands the bound socket to the node process, the gateway listens on port 0, and the chain is started
 * on port 0 and reports the port it got. `freePort` (bind, read, close) is only for a test that needs
 * an address nobody listens on.
 */
import net from "node:net";

import { NetworkError } from "./errors";

/** A listening socket the launcher holds for a child process. */
export interface HeldPort {
  readonly port: number;
  /** The socket's file descriptor, to hand to a child process (its stdio[3]). */
  readonly fd: number;
  /** Closes this process's copy; a child that was given the descriptor keeps listening. */
  release(): Promise<void>;
}

/**
 * Binds a listening socket on host:port (0 = a port the kernel picks, never one in use) and holds it.
 * Connections that reach it before a child takes it over are closed. An asked-for port that is taken
 * fails with a NetworkError naming it.
 */
export function holdPort(port = 0, host = "127.0.0.1"): Promise<HeldPort> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new NetworkError(`cannot listen on ${host}:${port}: ${e.code ?? e.message}`, {
          details: e.code === "EADDRINUSE" ? ["another process uses the port; choose another"] : [],
          cause: e,
        }),
      ),
    );
    server.listen({ port, host, exclusive: true }, () => {
      const address = server.address();
      // Node has no public accessor for a server's descriptor; `_handle.fd` is the libuv TCP handle's.
      const fd = (server as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
      if (typeof address !== "object" || address === null || typeof fd !== "number" || fd < 0) {
        server.close();
        reject(new NetworkError(`no descriptor for the socket on ${host}:${port}`));
        return;
      }
      let released: Promise<void> | undefined;
      resolve({
        port: address.port,
        fd,
        release() {
          released ??= new Promise((done) => server.close(() => done()));
          return released;
        },
      });
    });
  });
}

/** Ports held at once, so that they are distinct. Releases them all if one cannot be had. */
export async function holdPorts(ports: readonly number[], host = "127.0.0.1"): Promise<HeldPort[]> {
  const held: HeldPort[] = [];
  try {
    for (const port of ports) held.push(await holdPort(port, host));
    return held;
  } catch (e) {
    await Promise.all(held.map((h) => h.release()));
    throw e;
  }
}

/** A port that was free a moment ago (bind to port 0, read it, close). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

/** Whether something accepts connections on host:port. */
export function isListening(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
