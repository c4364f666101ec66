// The guarantees of PKPPermissions, as a shared behaviour: run against a PKP minted directly, one minted through
// PKPHelper, and one sent to itself (whose owner is the PKP's own key).
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  AUTH_METHOD_ACTION,
  AUTH_METHOD_ADDRESS,
  AUTH_METHOD_GOOGLE,
  AUTH_METHOD_WEBAUTHN,
  fakeCid,
  loadFixture,
  mintPkp,
  SCOPE_PERSONAL_SIGN,
  SCOPE_SIGN_ANYTHING,
  type PKPSystemFixture,
  type TestKey,
} from "./fixtures";

export interface PermissionsContext {
  system: PKPSystemFixture;
  key: TestKey;
  tokenId: bigint;
  /** The token's current owner. */
  owner: Signer & { address: string };
  /** Someone who does not own the token. */
  stranger: HardhatEthersSigner;
}

/** OpenZeppelin MerkleProof's node hash: keccak256 of the sorted pair. */
function hashPair(a: string, b: string): string {
  return BigInt(a) < BigInt(b)
    ? ethers.solidityPackedKeccak256(["bytes32", "bytes32"], [a, b])
    : ethers.solidityPackedKeccak256(["bytes32", "bytes32"], [b, a]);
}

export function shouldBehaveLikePKPPermissions(fixture: () => Promise<PermissionsContext>): void {
  const cid = fakeCid("action one");
  const cid2 = fakeCid("action two");
  const cid3 = fakeCid("action three");
  const googleId = ethers.keccak256(ethers.toUtf8Bytes("google:sub:aud"));
  const webauthnId = ethers.keccak256(ethers.toUtf8Bytes("webauthn credential"));
  const webauthnPubkey = "0x04" + "11".repeat(64);

  /** The refusals addPermittedAuthMethodScope and removePermittedAuthMethodScope share. */
  function shouldRefuseScopeChanges(
    method: "addPermittedAuthMethodScope" | "removePermittedAuthMethodScope",
    invalidScope: bigint,
  ): void {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, stranger } = await loadFixture(fixture);
        await expect(system.pkpPermissions.connect(stranger)[method](tokenId, AUTH_METHOD_ACTION, cid, 1n))
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when the auth method is not permitted", () => {
      it("reverts with PKPPermissionsAuthMethodNotPermitted", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        await expect(system.pkpPermissions.connect(owner)[method](tokenId, AUTH_METHOD_ACTION, cid, 1n))
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsAuthMethodNotPermitted")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid);
      });
    });

    describe("when the scope id is 64 or more", () => {
      it("reverts with PKPPermissionsInvalidScopeId", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        await system.pkpPermissions.connect(owner).addPermittedAction(tokenId, cid, []);
        await expect(
          system.pkpPermissions.connect(owner)[method](tokenId, AUTH_METHOD_ACTION, cid, invalidScope),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsInvalidScopeId")
          .withArgs(invalidScope);
      });
    });
  }

  describe("addPermittedAction", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, stranger } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions.connect(stranger).addPermittedAction(tokenId, cid, [SCOPE_SIGN_ANYTHING]),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when the token does not exist", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, owner } = await loadFixture(fixture);
        await expect(system.pkpPermissions.connect(owner).addPermittedAction(12345n, cid, []))
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(owner.address, 12345n);
      });
    });

    describe("when the CID is not a CIDv0 multihash", () => {
      for (const [title, bad] of [
        ["33 bytes", "0x1220" + "ab".repeat(31)],
        ["35 bytes", "0x1220" + "ab".repeat(33)],
        ["not sha2-256 (0x13)", "0x1320" + "ab".repeat(32)],
        ["not a 32-byte digest (0x21)", "0x1221" + "ab".repeat(32)],
        ["empty", "0x"],
      ]) {
        it(`reverts with PKPPermissionsInvalidAuthMethodId (${title})`, async () => {
          const { system, tokenId, owner } = await loadFixture(fixture);
          await expect(system.pkpPermissions.connect(owner).addPermittedAction(tokenId, bad, []))
            .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsInvalidAuthMethodId")
            .withArgs(AUTH_METHOD_ACTION, bad);
        });
      }
    });

    describe("when a scope id is 64 or more", () => {
      it("reverts with PKPPermissionsInvalidScopeId", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        await expect(system.pkpPermissions.connect(owner).addPermittedAction(tokenId, cid, [1n, 64n]))
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsInvalidScopeId")
          .withArgs(64n);
      });
    });

    describe("when the owner adds a new action", () => {
      it("permits it with its scopes and emits the events with the real auth method type", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions;
        const tx = p
          .connect(owner)
          .addPermittedAction(tokenId, cid, [SCOPE_SIGN_ANYTHING, SCOPE_PERSONAL_SIGN]);
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodAdded")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid, "0x");
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_SIGN_ANYTHING);
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_PERSONAL_SIGN);
        expect(await p.isPermittedAction(tokenId, cid)).to.equal(true);
        expect(await p.isPermittedAuthMethod(tokenId, AUTH_METHOD_ACTION, cid)).to.equal(true);
        expect(await p.getPermittedActions(tokenId)).to.deep.equal([cid]);
        expect(await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_ACTION, cid, 4)).to.deep.equal([
          false,
          true,
          true,
          false,
        ]);
        expect(await p.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid)).to.deep.equal([tokenId]);
        const methods = await p.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => [m.authMethodType, m.id, m.userPubkey])).to.deep.equal([
          [AUTH_METHOD_ACTION, cid, "0x"],
        ]);
      });

      it("adds the scopes of a second add to those of the first", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAction(tokenId, cid, [SCOPE_SIGN_ANYTHING]);
        await p.addPermittedAction(tokenId, cid, [SCOPE_PERSONAL_SIGN]);
        expect(await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_ACTION, cid, 3)).to.deep.equal([
          false,
          true,
          true,
        ]);
        expect(await p.getPermittedActions(tokenId)).to.deep.equal([cid]);
        expect(await p.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid)).to.deep.equal([tokenId]);
      });

      it("lists actions in insertion order", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        for (const c of [cid, cid2, cid3]) await p.addPermittedAction(tokenId, c, []);
        expect(await p.getPermittedActions(tokenId)).to.deep.equal([cid, cid2, cid3]);
      });
    });
  });

  describe("removePermittedAction", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, owner, stranger } = await loadFixture(fixture);
        await system.pkpPermissions.connect(owner).addPermittedAction(tokenId, cid, []);
        await expect(system.pkpPermissions.connect(stranger).removePermittedAction(tokenId, cid))
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when the action is not permitted", () => {
      it("reverts with PKPPermissionsAuthMethodNotPermitted", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        await expect(system.pkpPermissions.connect(owner).removePermittedAction(tokenId, cid))
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsAuthMethodNotPermitted")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid);
      });
    });

    describe("when the action is permitted", () => {
      it("removes it and its scopes, and emits PermittedAuthMethodRemoved", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAction(tokenId, cid, [SCOPE_SIGN_ANYTHING]);
        await expect(p.removePermittedAction(tokenId, cid))
          .to.emit(p, "PermittedAuthMethodRemoved")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid);
        expect(await p.isPermittedAction(tokenId, cid)).to.equal(false);
        expect(await p.getPermittedActions(tokenId)).to.deep.equal([]);
        expect(await p.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid)).to.deep.equal([]);
        expect(
          await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_SIGN_ANYTHING),
        ).to.equal(false);
      });

      it("clears the scopes: adding it again starts from the scopes given then", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAction(tokenId, cid, [SCOPE_SIGN_ANYTHING]);
        await p.removePermittedAction(tokenId, cid);
        await p.addPermittedAction(tokenId, cid, []);
        expect(await p.isPermittedAction(tokenId, cid)).to.equal(true);
        expect(await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_ACTION, cid, 3)).to.deep.equal([
          false,
          false,
          false,
        ]);
      });

      it("moves the last entry into the gap", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        for (const c of [cid, cid2, cid3]) await p.addPermittedAction(tokenId, c, [SCOPE_SIGN_ANYTHING]);
        await p.removePermittedAction(tokenId, cid);
        expect(await p.getPermittedActions(tokenId)).to.deep.equal([cid3, cid2]);
        // The moved entry can still be found and removed.
        await p.removePermittedAction(tokenId, cid3);
        expect(await p.getPermittedActions(tokenId)).to.deep.equal([cid2]);
        expect(
          await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, cid2, SCOPE_SIGN_ANYTHING),
        ).to.equal(true);
      });
    });
  });

  describe("list bookkeeping", () => {
    it("keeps every list exact through additions and removals at every position", async () => {
      const { system, tokenId, owner } = await loadFixture(fixture);
      const p = system.pkpPermissions.connect(owner);
      const cids = ["a", "b", "c", "d", "e"].map((label) => fakeCid(`bookkeeping ${label}`));
      const expected: string[] = [];
      const add = async (c: string) => {
        await p.addPermittedAction(tokenId, c, [SCOPE_SIGN_ANYTHING]);
        expected.push(c);
      };
      const remove = async (c: string) => {
        await p.removePermittedAction(tokenId, c);
        const index = expected.indexOf(c);
        const last = expected.pop() as string;
        if (index < expected.length) expected[index] = last;
      };
      for (const c of cids) await add(c);
      await remove(cids[2]); // middle
      expect(await p.getPermittedActions(tokenId)).to.deep.equal(expected);
      await remove(expected[expected.length - 1]); // last
      expect(await p.getPermittedActions(tokenId)).to.deep.equal(expected);
      await remove(expected[0]); // first: the moved entry takes over the length
      expect(await p.getPermittedActions(tokenId)).to.deep.equal(expected);
      await add(cids[2]);
      expect(await p.getPermittedActions(tokenId)).to.deep.equal(expected);
      while (expected.length > 0) {
        await remove(expected[0]);
        expect(await p.getPermittedActions(tokenId)).to.deep.equal(expected);
        for (const c of expected) {
          expect(
            await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, c, SCOPE_SIGN_ANYTHING),
          ).to.equal(true);
        }
      }
      expect(await p.getPermittedAuthMethods(tokenId)).to.deep.equal([]);
      await add(cids[4]);
      expect(await p.getPermittedActions(tokenId)).to.deep.equal([cids[4]]);
    });
  });

  describe("addPermittedAddress", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, stranger } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions.connect(stranger).addPermittedAddress(tokenId, stranger.address, []),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when the owner adds an address", () => {
      it("permits it, lists it after the owner and emits the events with type 1", async () => {
        const { system, tokenId, owner, stranger } = await loadFixture(fixture);
        const p = system.pkpPermissions;
        const id = stranger.address.toLowerCase();
        const tx = p.connect(owner).addPermittedAddress(tokenId, stranger.address, [SCOPE_PERSONAL_SIGN]);
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodAdded")
          .withArgs(tokenId, AUTH_METHOD_ADDRESS, id, "0x");
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_ADDRESS, id, SCOPE_PERSONAL_SIGN);
        expect(await p.isPermittedAddress(tokenId, stranger.address)).to.equal(true);
        expect(await p.getPermittedAddresses(tokenId)).to.deep.equal([owner.address, stranger.address]);
        expect(await p.isPermittedAuthMethod(tokenId, AUTH_METHOD_ADDRESS, id)).to.equal(true);
        const methods = await p.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => [m.authMethodType, m.id])).to.deep.equal([[AUTH_METHOD_ADDRESS, id]]);
        expect(await p.getTokenIdsForAuthMethod(AUTH_METHOD_ADDRESS, id)).to.deep.equal([tokenId]);
      });

      it("lists the owner once even when the owner is also permitted explicitly", async () => {
        const { system, tokenId, owner, stranger } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAddress(tokenId, owner.address, []);
        await p.addPermittedAddress(tokenId, stranger.address, []);
        expect(await p.getPermittedAddresses(tokenId)).to.deep.equal([owner.address, stranger.address]);
      });
    });
  });

  describe("removePermittedAddress", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, stranger } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions.connect(stranger).removePermittedAddress(tokenId, stranger.address),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when the address is not permitted", () => {
      it("reverts with PKPPermissionsAuthMethodNotPermitted", async () => {
        const { system, tokenId, owner, stranger } = await loadFixture(fixture);
        await expect(system.pkpPermissions.connect(owner).removePermittedAddress(tokenId, stranger.address))
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsAuthMethodNotPermitted")
          .withArgs(tokenId, AUTH_METHOD_ADDRESS, stranger.address.toLowerCase());
      });
    });

    describe("when the address is permitted", () => {
      it("removes it with its scopes and emits PermittedAuthMethodRemoved", async () => {
        const { system, tokenId, owner, stranger } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAddress(tokenId, stranger.address, [SCOPE_SIGN_ANYTHING]);
        await expect(p.removePermittedAddress(tokenId, stranger.address))
          .to.emit(p, "PermittedAuthMethodRemoved")
          .withArgs(tokenId, AUTH_METHOD_ADDRESS, stranger.address.toLowerCase());
        expect(await p.isPermittedAddress(tokenId, stranger.address)).to.equal(false);
        expect(await p.getPermittedAddresses(tokenId)).to.deep.equal([owner.address]);
        await p.addPermittedAddress(tokenId, stranger.address, []);
        expect(
          await p.isPermittedAuthMethodScopePresent(
            tokenId,
            AUTH_METHOD_ADDRESS,
            stranger.address,
            SCOPE_SIGN_ANYTHING,
          ),
        ).to.equal(false);
      });
    });
  });

  describe("addPermittedAuthMethod", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, stranger } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions
            .connect(stranger)
            .addPermittedAuthMethod(
              tokenId,
              { authMethodType: AUTH_METHOD_GOOGLE, id: googleId, userPubkey: "0x" },
              [],
            ),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when an address auth method's id is not 20 bytes", () => {
      it("reverts with PKPPermissionsInvalidAuthMethodId", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const id = "0x" + "ab".repeat(19);
        await expect(
          system.pkpPermissions
            .connect(owner)
            .addPermittedAuthMethod(
              tokenId,
              { authMethodType: AUTH_METHOD_ADDRESS, id, userPubkey: "0x" },
              [],
            ),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsInvalidAuthMethodId")
          .withArgs(AUTH_METHOD_ADDRESS, id);
      });
    });

    describe("when the owner adds an auth method", () => {
      it("permits it, stores its user public key and emits the events with the real type", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions;
        const method = { authMethodType: AUTH_METHOD_WEBAUTHN, id: webauthnId, userPubkey: webauthnPubkey };
        const tx = p.connect(owner).addPermittedAuthMethod(tokenId, method, [SCOPE_SIGN_ANYTHING]);
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodAdded")
          .withArgs(tokenId, AUTH_METHOD_WEBAUTHN, webauthnId, webauthnPubkey);
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_WEBAUTHN, webauthnId, SCOPE_SIGN_ANYTHING);
        expect(await p.isPermittedAuthMethod(tokenId, AUTH_METHOD_WEBAUTHN, webauthnId)).to.equal(true);
        expect(await p.getUserPubkeyForAuthMethod(AUTH_METHOD_WEBAUTHN, webauthnId)).to.equal(webauthnPubkey);
        const methods = await p.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => [m.authMethodType, m.id, m.userPubkey])).to.deep.equal([
          [AUTH_METHOD_WEBAUTHN, webauthnId, webauthnPubkey],
        ]);
        expect(await p.getTokenIdsForAuthMethod(AUTH_METHOD_WEBAUTHN, webauthnId)).to.deep.equal([tokenId]);
      });

      it("round-trips ids and types of every size the storage packs differently", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        const methods = [
          { authMethodType: 7n, id: "0x", userPubkey: "0x" },
          { authMethodType: 7n, id: "0xab", userPubkey: "0x" },
          { authMethodType: 4n, id: "0x" + "cd".repeat(20), userPubkey: "0x" },
          { authMethodType: 4n, id: "0x" + "ef".repeat(21), userPubkey: "0x" },
          { authMethodType: AUTH_METHOD_GOOGLE, id: googleId, userPubkey: "0x" },
          { authMethodType: 9n, id: "0x" + "12".repeat(52), userPubkey: "0x" },
          { authMethodType: 9n, id: "0x" + "34".repeat(53), userPubkey: "0x" + "56".repeat(70) },
          { authMethodType: (1n << 32n) - 1n, id: "0x77", userPubkey: "0x" },
          { authMethodType: 1n << 32n, id: "0x78", userPubkey: "0x" },
          { authMethodType: ethers.MaxUint256, id: "0x" + "9a".repeat(100), userPubkey: "0x01" },
        ];
        for (const method of methods) await p.addPermittedAuthMethod(tokenId, method, [SCOPE_SIGN_ANYTHING]);
        const stored = await p.getPermittedAuthMethods(tokenId);
        expect(stored.map((m) => [m.authMethodType, m.id, m.userPubkey])).to.deep.equal(
          methods.map((m) => [m.authMethodType, m.id, m.userPubkey]),
        );
        for (const method of methods) {
          expect(await p.isPermittedAuthMethod(tokenId, method.authMethodType, method.id)).to.equal(true);
          expect(await p.getUserPubkeyForAuthMethod(method.authMethodType, method.id)).to.equal(
            method.userPubkey,
          );
        }
      });

      it("never replaces a WebAuthn public key with a different one", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAuthMethod(
          tokenId,
          { authMethodType: AUTH_METHOD_WEBAUTHN, id: webauthnId, userPubkey: webauthnPubkey },
          [],
        );
        const other = "0x04" + "22".repeat(64);
        await expect(
          p.addPermittedAuthMethod(
            tokenId,
            { authMethodType: AUTH_METHOD_WEBAUTHN, id: webauthnId, userPubkey: other },
            [],
          ),
        )
          .to.be.revertedWithCustomError(p, "PKPPermissionsUserPubkeyMismatch")
          .withArgs(AUTH_METHOD_WEBAUTHN, webauthnId);
        // Not even after removal: the key belongs to the credential, not to the PKP.
        await p.removePermittedAuthMethod(tokenId, AUTH_METHOD_WEBAUTHN, webauthnId);
        await expect(
          p.addPermittedAuthMethod(
            tokenId,
            { authMethodType: AUTH_METHOD_WEBAUTHN, id: webauthnId, userPubkey: other },
            [],
          ),
        )
          .to.be.revertedWithCustomError(p, "PKPPermissionsUserPubkeyMismatch")
          .withArgs(AUTH_METHOD_WEBAUTHN, webauthnId);
        // The same key, or none, is fine and keeps the stored one.
        await p.addPermittedAuthMethod(
          tokenId,
          { authMethodType: AUTH_METHOD_WEBAUTHN, id: webauthnId, userPubkey: webauthnPubkey },
          [],
        );
        await p.addPermittedAuthMethod(
          tokenId,
          { authMethodType: AUTH_METHOD_WEBAUTHN, id: webauthnId, userPubkey: "0x" },
          [],
        );
        expect(await p.getUserPubkeyForAuthMethod(AUTH_METHOD_WEBAUTHN, webauthnId)).to.equal(webauthnPubkey);
      });

      it("replaces another type's user public key with a new non-empty one (as Lit does)", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAuthMethod(
          tokenId,
          { authMethodType: AUTH_METHOD_GOOGLE, id: googleId, userPubkey: "0x01" },
          [],
        );
        await p.addPermittedAuthMethod(
          tokenId,
          { authMethodType: AUTH_METHOD_GOOGLE, id: googleId, userPubkey: "0x02" },
          [],
        );
        expect(await p.getUserPubkeyForAuthMethod(AUTH_METHOD_GOOGLE, googleId)).to.equal("0x02");
        await p.addPermittedAuthMethod(
          tokenId,
          { authMethodType: AUTH_METHOD_GOOGLE, id: googleId, userPubkey: "0x" },
          [],
        );
        expect(await p.getUserPubkeyForAuthMethod(AUTH_METHOD_GOOGLE, googleId)).to.equal("0x02");
      });
    });
  });

  describe("removePermittedAuthMethod", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, stranger } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions
            .connect(stranger)
            .removePermittedAuthMethod(tokenId, AUTH_METHOD_GOOGLE, googleId),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when the auth method is not permitted", () => {
      it("reverts with PKPPermissionsAuthMethodNotPermitted", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions
            .connect(owner)
            .removePermittedAuthMethod(tokenId, AUTH_METHOD_GOOGLE, googleId),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsAuthMethodNotPermitted")
          .withArgs(tokenId, AUTH_METHOD_GOOGLE, googleId);
      });
    });

    describe("when the auth method is permitted", () => {
      it("removes it, clears its scopes and keeps the other lists in order", async () => {
        const { system, tokenId, owner, stranger } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAuthMethod(
          tokenId,
          { authMethodType: AUTH_METHOD_GOOGLE, id: googleId, userPubkey: "0x" },
          [1n],
        );
        await p.addPermittedAction(tokenId, cid, [1n]);
        await p.addPermittedAddress(tokenId, stranger.address, [1n]);
        await expect(p.removePermittedAuthMethod(tokenId, AUTH_METHOD_GOOGLE, googleId))
          .to.emit(p, "PermittedAuthMethodRemoved")
          .withArgs(tokenId, AUTH_METHOD_GOOGLE, googleId);
        const methods = await p.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => m.authMethodType)).to.deep.equal([AUTH_METHOD_ADDRESS, AUTH_METHOD_ACTION]);
        expect(await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_GOOGLE, googleId, 2)).to.deep.equal([
          false,
          false,
        ]);
        expect(await p.getTokenIdsForAuthMethod(AUTH_METHOD_GOOGLE, googleId)).to.deep.equal([]);
      });
    });
  });

  describe("addPermittedAuthMethodScope", () => {
    shouldRefuseScopeChanges("addPermittedAuthMethodScope", 200n);

    describe("when the auth method is permitted", () => {
      it("adds the scope and emits PermittedAuthMethodScopeAdded with the real type", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAction(tokenId, cid, []);
        await expect(p.addPermittedAuthMethodScope(tokenId, AUTH_METHOD_ACTION, cid, 63n))
          .to.emit(p, "PermittedAuthMethodScopeAdded")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid, 63n);
        expect(await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, cid, 63n)).to.equal(
          true,
        );
        const scopes = await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_ACTION, cid, 200);
        expect(scopes.length).to.equal(200);
        expect(scopes.map((s, i) => (s ? i : -1)).filter((i) => i >= 0)).to.deep.equal([63]);
        expect(await p.isPermittedAuthMethodScopePresent(tokenId, AUTH_METHOD_ACTION, cid, 300n)).to.equal(
          false,
        );
      });
    });
  });

  describe("removePermittedAuthMethodScope", () => {
    shouldRefuseScopeChanges("removePermittedAuthMethodScope", 64n);

    describe("when the auth method is permitted", () => {
      it("removes the scope, keeps the auth method, and emits PermittedAuthMethodScopeRemoved with the real type", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAction(tokenId, cid, [SCOPE_SIGN_ANYTHING, SCOPE_PERSONAL_SIGN]);
        await expect(p.removePermittedAuthMethodScope(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_SIGN_ANYTHING))
          .to.emit(p, "PermittedAuthMethodScopeRemoved")
          .withArgs(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_SIGN_ANYTHING);
        expect(await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_ACTION, cid, 3)).to.deep.equal([
          false,
          false,
          true,
        ]);
        await p.removePermittedAuthMethodScope(tokenId, AUTH_METHOD_ACTION, cid, SCOPE_PERSONAL_SIGN);
        expect(await p.isPermittedAction(tokenId, cid)).to.equal(true);
      });
    });
  });

  describe("batchAddRemoveAuthMethods", () => {
    describe("when the caller is not the owner", () => {
      it("reverts with PKPPermissionsNotOwner", async () => {
        const { system, tokenId, stranger } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions.connect(stranger).batchAddRemoveAuthMethods(tokenId, [], [], [], [], [], []),
        )
          .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
          .withArgs(stranger.address, tokenId);
      });
    });

    describe("when array lengths differ", () => {
      const cases: [
        string,
        string,
        Parameters<PKPSystemFixture["pkpPermissions"]["batchAddRemoveAuthMethods"]>,
      ][] = [
        [
          "permittedAuthMethodTypesToAdd",
          "permittedAuthMethodIdsToAdd",
          [0n, [5n], [], ["0x"], [[]], [], []],
        ],
        [
          "permittedAuthMethodTypesToAdd",
          "permittedAuthMethodPubkeysToAdd",
          [0n, [5n], ["0x01"], [], [[]], [], []],
        ],
        [
          "permittedAuthMethodTypesToAdd",
          "permittedAuthMethodScopesToAdd",
          [0n, [5n], ["0x01"], ["0x"], [], [], []],
        ],
        [
          "permittedAuthMethodTypesToRemove",
          "permittedAuthMethodIdsToRemove",
          [0n, [], [], [], [], [5n], []],
        ],
      ];
      for (const [first, second, args] of cases) {
        it(`reverts with PKPPermissionsArrayLengthMismatch("${first}", "${second}")`, async () => {
          const { system, tokenId, owner } = await loadFixture(fixture);
          args[0] = tokenId;
          await expect(system.pkpPermissions.connect(owner).batchAddRemoveAuthMethods(...args))
            .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsArrayLengthMismatch")
            .withArgs(first, second);
        });
      }
    });

    describe("when the arrays are consistent", () => {
      it("adds, then removes", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions.connect(owner);
        await p.addPermittedAction(tokenId, cid, [1n]);
        const tx = p.batchAddRemoveAuthMethods(
          tokenId,
          [AUTH_METHOD_GOOGLE, AUTH_METHOD_WEBAUTHN],
          [googleId, webauthnId],
          ["0x", webauthnPubkey],
          [[1n], [1n, 2n]],
          [AUTH_METHOD_ACTION, AUTH_METHOD_GOOGLE],
          [cid, googleId],
        );
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodAdded")
          .withArgs(tokenId, AUTH_METHOD_WEBAUTHN, webauthnId, webauthnPubkey);
        await expect(tx)
          .to.emit(p, "PermittedAuthMethodRemoved")
          .withArgs(tokenId, AUTH_METHOD_GOOGLE, googleId);
        await expect(tx).to.emit(p, "PermittedAuthMethodRemoved").withArgs(tokenId, AUTH_METHOD_ACTION, cid);
        const methods = await p.getPermittedAuthMethods(tokenId);
        expect(methods.map((m) => [m.authMethodType, m.id])).to.deep.equal([
          [AUTH_METHOD_WEBAUTHN, webauthnId],
        ]);
        expect(
          await p.getPermittedAuthMethodScopes(tokenId, AUTH_METHOD_WEBAUTHN, webauthnId, 3),
        ).to.deep.equal([false, true, true]);
      });

      it("does nothing with empty arrays", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        await expect(
          system.pkpPermissions.connect(owner).batchAddRemoveAuthMethods(tokenId, [], [], [], [], [], []),
        ).not.to.emit(system.pkpPermissions, "PermittedAuthMethodAdded");
      });
    });
  });

  describe("Merkle state", () => {
    const leaves = ["a", "b", "c", "d"].map((s) => ethers.keccak256(ethers.toUtf8Bytes(s)));
    const h01 = hashPair(leaves[0], leaves[1]);
    const h23 = hashPair(leaves[2], leaves[3]);
    const root = hashPair(h01, h23);

    describe("setRootHash", () => {
      describe("when the caller is not the owner", () => {
        it("reverts with PKPPermissionsNotOwner", async () => {
          const { system, tokenId, stranger } = await loadFixture(fixture);
          await expect(system.pkpPermissions.connect(stranger).setRootHash(tokenId, 1, root))
            .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
            .withArgs(stranger.address, tokenId);
        });
      });

      describe("when the owner sets a root", () => {
        it("emits RootHashUpdated", async () => {
          const { system, tokenId, owner } = await loadFixture(fixture);
          await expect(system.pkpPermissions.connect(owner).setRootHash(tokenId, 1, root))
            .to.emit(system.pkpPermissions, "RootHashUpdated")
            .withArgs(tokenId, 1, root);
        });
      });
    });

    describe("verifyState", () => {
      it("is false while no root is set", async () => {
        const { system, tokenId } = await loadFixture(fixture);
        expect(await system.pkpPermissions.verifyState(tokenId, 1, [leaves[1], h23], leaves[0])).to.equal(
          false,
        );
      });

      it("verifies a proof with OpenZeppelin's MerkleProof semantics (sorted pairs, leaf as given)", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions;
        await p.connect(owner).setRootHash(tokenId, 1, root);
        expect(await p.verifyState(tokenId, 1, [leaves[1], h23], leaves[0])).to.equal(true);
        expect(await p.verifyState(tokenId, 1, [leaves[0], h23], leaves[1])).to.equal(true);
        expect(await p.verifyState(tokenId, 1, [leaves[3], h01], leaves[2])).to.equal(true);
        expect(await p.verifyState(tokenId, 1, [leaves[1], h23], leaves[2])).to.equal(false);
        expect(await p.verifyState(tokenId, 2, [leaves[1], h23], leaves[0])).to.equal(false);
      });
    });

    describe("verifyStates", () => {
      it("is false while no root is set", async () => {
        const { system, tokenId } = await loadFixture(fixture);
        expect(
          await system.pkpPermissions.verifyStates(tokenId, 1, [h23], [true, false], leaves.slice(0, 2)),
        ).to.equal(false);
      });

      it("verifies a multiproof with OpenZeppelin's semantics", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        const p = system.pkpPermissions;
        await p.connect(owner).setRootHash(tokenId, 1, root);
        expect(await p.verifyStates(tokenId, 1, [h23], [true, false], leaves.slice(0, 2))).to.equal(true);
        expect(await p.verifyStates(tokenId, 1, [], [true, true, true], leaves)).to.equal(true);
        expect(await p.verifyStates(tokenId, 2, [], [true, true, true], leaves)).to.equal(false);
        expect(await p.verifyStates(tokenId, 1, [h23], [true, false], [leaves[0], leaves[2]])).to.equal(
          false,
        );
      });

      it("reverts with OpenZeppelin's MerkleProofInvalidMultiproof for inconsistent lengths", async () => {
        const { system, tokenId, owner } = await loadFixture(fixture);
        await system.pkpPermissions.connect(owner).setRootHash(tokenId, 1, root);
        await expect(
          system.pkpPermissions.verifyStates(tokenId, 1, [h23], [true], leaves.slice(0, 2)),
        ).to.be.revertedWithCustomError(system.pkpPermissions, "MerkleProofInvalidMultiproof");
      });
    });
  });

  describe("isPermittedAddress", () => {
    it("is true for the owner without any explicit permission", async () => {
      const { system, tokenId, owner, stranger } = await loadFixture(fixture);
      expect(await system.pkpPermissions.isPermittedAddress(tokenId, owner.address)).to.equal(true);
      expect(await system.pkpPermissions.isPermittedAddress(tokenId, stranger.address)).to.equal(false);
    });

    it("is false, not a revert, once the token is burned (and the owner list is empty)", async () => {
      const { system, tokenId, owner, stranger } = await loadFixture(fixture);
      await system.pkpPermissions.connect(owner).addPermittedAddress(tokenId, stranger.address, [1n]);
      await system.pkpNft.connect(owner).burn(tokenId);
      expect(await system.pkpPermissions.isPermittedAddress(tokenId, owner.address)).to.equal(false);
      expect(await system.pkpPermissions.isPermittedAddress(tokenId, stranger.address)).to.equal(false);
      expect(await system.pkpPermissions.getPermittedAddresses(tokenId)).to.deep.equal([stranger.address]);
    });
  });

  describe("ownership", () => {
    it("follows the token: after a transfer only the new owner can change permissions", async () => {
      const { system, tokenId, owner, stranger } = await loadFixture(fixture);
      await system.pkpNft.connect(owner).transferFrom(owner.address, stranger.address, tokenId);
      await expect(system.pkpPermissions.connect(owner).addPermittedAction(tokenId, cid, []))
        .to.be.revertedWithCustomError(system.pkpPermissions, "PKPPermissionsNotOwner")
        .withArgs(owner.address, tokenId);
      await system.pkpPermissions.connect(stranger).addPermittedAction(tokenId, cid, []);
      expect((await system.pkpPermissions.getPermittedAddresses(tokenId))[0]).to.equal(stranger.address);
      expect(await system.pkpPermissions.isPermittedAddress(tokenId, owner.address)).to.equal(false);
    });

    it("one auth method shared by two PKPs lists both, and removal from one keeps the other", async () => {
      const { system, tokenId, owner, stranger } = await loadFixture(fixture);
      const second = await mintPkp(system, stranger);
      const third = await mintPkp(system, stranger);
      await system.pkpPermissions.connect(owner).addPermittedAction(tokenId, cid, [1n]);
      await system.pkpPermissions.connect(stranger).addPermittedAction(second.tokenId, cid, [2n]);
      await system.pkpPermissions.connect(stranger).addPermittedAction(third.tokenId, cid, []);
      expect(await system.pkpPermissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid)).to.deep.equal([
        tokenId,
        second.tokenId,
        third.tokenId,
      ]);
      await system.pkpPermissions.connect(owner).removePermittedAction(tokenId, cid);
      expect(await system.pkpPermissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid)).to.deep.equal([
        third.tokenId,
        second.tokenId,
      ]);
      expect(
        await system.pkpPermissions.isPermittedAuthMethodScopePresent(
          second.tokenId,
          AUTH_METHOD_ACTION,
          cid,
          2n,
        ),
      ).to.equal(true);
      // The moved entry's index was updated: it can be removed too.
      await system.pkpPermissions.connect(stranger).removePermittedAction(third.tokenId, cid);
      expect(await system.pkpPermissions.getTokenIdsForAuthMethod(AUTH_METHOD_ACTION, cid)).to.deep.equal([
        second.tokenId,
      ]);
    });
  });

  describe("views", () => {
    it("getPubkey, getEthAddress and getAuthMethodId agree with the router and the id rule", async () => {
      const { system, tokenId, key } = await loadFixture(fixture);
      const p = system.pkpPermissions;
      expect(await p.getPubkey(tokenId)).to.equal(key.pubkey);
      expect(await p.getEthAddress(tokenId)).to.equal(key.ethAddress);
      expect(await p.getAuthMethodId(AUTH_METHOD_ACTION, cid)).to.equal(
        BigInt(
          ethers.keccak256(
            ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "bytes"], [AUTH_METHOD_ACTION, cid]),
          ),
        ),
      );
    });
  });
}
