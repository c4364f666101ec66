/**
 * A JSON-RPC provider whose requests each use a fresh connection (see transport.ts): ethers' default
 * transport reuses keep-alive sockets that a `hardhat node` closes when idle, which surfaces as
 * "socket hang up" on a later call.
 */
import { FetchRequest, JsonRpcProvider, type GetUrlResponse } from "ethers";

import { request } from "../transport";

export function freshConnectionGetUrl(): (req: FetchRequest) => Promise<GetUrlResponse> {
  return async (req) => {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ?? undefined,
      timeoutMs: req.timeout,
    });
    return {
      statusCode: res.status,
      statusMessage: res.statusText,
      headers: res.headers,
      body: new Uint8Array(res.body),
    };
  };
}

/**
 * A provider for `rpcUrl`; polls every `pollingMs` (default 250 ms, suits a local chain). It caches
 * nothing (`cacheTimeout: -1`): ethers' default hands an identical request made within 250 ms the
 * earlier answer, so a wallet's second transaction in quick succession got the first one's nonce
 * ("Nonce too low") and a read just after a transaction could miss it.
 */
export function jsonRpcProvider(rpcUrl: string, pollingMs = 250): JsonRpcProvider {
  const req = new FetchRequest(rpcUrl);
  req.getUrlFunc = freshConnectionGetUrl();
  const provider = new JsonRpcProvider(req, undefined, {
    staticNetwork: true,
    batchMaxCount: 1,
    cacheTimeout: -1,
  });
  provider.pollingInterval = pollingMs;
  return provider;
}
