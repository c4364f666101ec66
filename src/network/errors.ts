/** Errors of the local network launcher: one base class, a short message, details and a cause chain. */
import { DetailedError, type DetailedErrorOptions } from "../errors";

export type NetworkErrorOptions = DetailedErrorOptions;

export class NetworkError extends DetailedError {
  override name = "NetworkError";
}

/** A child process (chain or node) exited before the network was ready. */
export class ProcessExitedError extends NetworkError {
  override name = "ProcessExitedError";
  constructor(
    readonly label: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    logFile: string,
    tail: string,
  ) {
    super(`${label} exited early (${signal ?? `code ${String(code)}`})`, {
      details: [`log: ${logFile}`, ...(tail ? [tail] : [])],
    });
  }
}

/** The network did not become ready in time; says which nodes were not ready and what they reported. */
export class NetworkTimeoutError extends NetworkError {
  override name = "NetworkTimeoutError";
}

/** A server could not listen on the port it was asked to use. */
export class PortInUseError extends NetworkError {
  override name = "PortInUseError";
  constructor(
    readonly label: string,
    readonly port: number,
    logFile: string,
  ) {
    super(`${label} cannot listen on port ${port}: it is in use`, {
      details: [`log: ${logFile}`, "choose another port, or leave it out to get a free one"],
    });
  }
}
