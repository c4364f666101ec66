/**
 * Access control conditions evaluated against the in-process Hardhat chain (mock ERC-20/721/1155 and
 * view contracts from contracts/mocks/ConditionTokenMocks.sol): every kind, every comparator, and/or
 * groups, and every malformed condition refused before anything is read.
 */
import { expect } from "chai";
import hre from "hardhat";
import { BrowserProvider, Wallet, parseEther, zeroPadValue, toBeHex, type Contract } from "ethers";
import {
  COMPARATORS,
  ConditionChains,
  MAX_CONDITIONS,
  checkConditions,
  compare,
  evaluateConditions,
  litParamsFromResources,
  prepareConditions,
  unifiedConditionType,
  type EvaluationContext,
} from "../../src/node/conditions";
import { InvalidRequestError, NotPermittedError } from "../../src/node/errors";

const CHAIN = "yellowstone";

async function expectRefusal(p: Promise<unknown>): Promise<InvalidRequestError | NotPermittedError> {
  try {
    await p;
  } catch (e) {
    return e as InvalidRequestError;
  }
  expect.fail("expected a refusal");
}

describe("access control conditions (src/node/conditions)", function () {
  let chains: ConditionChains;
  let erc20: Contract;
  let erc721: Contract;
  let erc1155: Contract;
  let views: Contract;
  let member: string;
  let stranger: string;

  const ctx = (userAddress: string, extra: Partial<EvaluationContext> = {}): EvaluationContext => ({
    userAddress,
    chains,
    ...extra,
  });

  before(async () => {
    const provider = new BrowserProvider(hre.network.provider as never);
    chains = new ConditionChains(
      { rpcUrl: "http://127.0.0.1:1", chainId: 31337 },
      { yellowstone: provider, hardhat: provider },
    );
    const [deployer] = await hre.ethers.getSigners();
    const deploy = async (name: string) => {
      const c = await (await hre.ethers.getContractFactory(name, deployer)).deploy();
      await c.waitForDeployment();
      return c as unknown as Contract;
    };
    erc20 = await deploy("ConditionERC20Mock");
    erc721 = await deploy("ConditionERC721Mock");
    erc1155 = await deploy("ConditionERC1155Mock");
    views = await deploy("ConditionViewsMock");
    member = Wallet.createRandom().address;
    stranger = Wallet.createRandom().address;
    await (await deployer.sendTransaction({ to: member, value: parseEther("2") })).wait();
    await (await erc20.mint(member, 1000n)).wait();
    await (await erc721.mint(member, 7n)).wait();
    await (await erc1155.mint(member, 3n, 5n)).wait();
    await (await views.setMember(member, true, 2n)).wait();
  });

  const basic = (over: Record<string, unknown>) => ({
    contractAddress: "",
    standardContractType: "",
    chain: CHAIN,
    method: "",
    parameters: [":userAddress"],
    returnValueTest: { comparator: "=", value: "0x0" },
    ...over,
  });
  const erc = (
    type: string,
    address: string,
    method: string,
    parameters: string[],
    comparator: string,
    value: string,
  ) =>
    basic({
      contractAddress: address,
      standardContractType: type,
      method,
      parameters,
      returnValueTest: { comparator, value },
    });
  const contractCondition = (over: Record<string, unknown> = {}, rvt: Record<string, unknown> = {}) => ({
    contractAddress: views.target as string,
    functionName: "isMember",
    functionParams: [":userAddress"],
    functionAbi: {
      name: "isMember",
      inputs: [{ name: "", type: "address", internalType: "address" }],
      outputs: [{ name: "", type: "bool", internalType: "bool" }],
      stateMutability: "view",
      constant: true,
    },
    chain: CHAIN,
    returnValueTest: { key: "", comparator: "=", value: "true", ...rvt },
    ...over,
  });

  describe("evmBasic", () => {
    it("passes the wallet condition for that wallet only", async () => {
      const cond = [basic({ returnValueTest: { comparator: "=", value: member.toLowerCase() } })];
      expect((await evaluateConditions("accessControlConditions", cond, ctx(member))).passed).to.equal(true);
      expect((await evaluateConditions("accessControlConditions", cond, ctx(stranger))).passed).to.equal(
        false,
      );
    });

    it("tests the native balance (eth_getBalance, wei)", async () => {
      const cond = [
        basic({
          method: "eth_getBalance",
          parameters: [":userAddress", "latest"],
          returnValueTest: { comparator: ">=", value: parseEther("1").toString() },
        }),
      ];
      expect((await evaluateConditions("accessControlConditions", cond, ctx(member))).passed).to.equal(true);
      const r = await evaluateConditions("accessControlConditions", cond, ctx(stranger));
      expect(r.passed).to.equal(false);
      expect(r.outcomes[0].result).to.equal("0");
    });

    it("tests an ERC-20 balance", async () => {
      const cond = [erc("ERC20", erc20.target as string, "balanceOf", [":userAddress"], ">", "999")];
      expect((await evaluateConditions("accessControlConditions", cond, ctx(member))).passed).to.equal(true);
      expect((await evaluateConditions("accessControlConditions", cond, ctx(stranger))).passed).to.equal(
        false,
      );
    });

    it("tests ERC-721 balanceOf and ownerOf = :userAddress", async () => {
      const bal = [erc("ERC721", erc721.target as string, "balanceOf", [":userAddress"], ">", "0")];
      expect((await evaluateConditions("accessControlConditions", bal, ctx(member))).passed).to.equal(true);
      const own = [erc("ERC721", erc721.target as string, "ownerOf", ["7"], "=", ":userAddress")];
      expect((await evaluateConditions("accessControlConditions", own, ctx(member))).passed).to.equal(true);
      expect((await evaluateConditions("accessControlConditions", own, ctx(stranger))).passed).to.equal(
        false,
      );
    });

    it("makes ownerOf of a token that does not exist false (the call reverts), even with !=", async () => {
      const own = [erc("ERC721", erc721.target as string, "ownerOf", ["999"], "!=", ":userAddress")];
      const r = await evaluateConditions("accessControlConditions", own, ctx(member));
      expect(r.passed).to.equal(false);
      expect(r.outcomes[0].why).to.equal("the call reverted");
    });

    it("tests ERC-1155 balanceOf and balanceOfBatch", async () => {
      const one = [erc("ERC1155", erc1155.target as string, "balanceOf", [":userAddress", "3"], ">=", "5")];
      expect((await evaluateConditions("accessControlConditions", one, ctx(member))).passed).to.equal(true);
      expect((await evaluateConditions("accessControlConditions", one, ctx(stranger))).passed).to.equal(
        false,
      );
      const batch = [
        erc(
          "ERC1155",
          erc1155.target as string,
          "balanceOfBatch",
          [`:userAddress,${stranger}`, "3,3"],
          "contains",
          "5",
        ),
      ];
      expect((await evaluateConditions("accessControlConditions", batch, ctx(member))).passed).to.equal(true);
    });

    it("tests the latest block's timestamp", async () => {
      const cond = [
        basic({
          standardContractType: "timestamp",
          method: "eth_getBlockByNumber",
          parameters: ["latest"],
          returnValueTest: { comparator: ">=", value: "1" },
        }),
      ];
      expect((await evaluateConditions("accessControlConditions", cond, ctx(member))).passed).to.equal(true);
    });

    it("reads at the latest block: a transfer makes an ownerOf condition false at once", async () => {
      const [deployer] = await hre.ethers.getSigners();
      const holder = deployer.address;
      await (await erc721.mint(holder, 42n)).wait();
      const own = [erc("ERC721", erc721.target as string, "ownerOf", ["42"], "=", ":userAddress")];
      expect((await evaluateConditions("accessControlConditions", own, ctx(holder))).passed).to.equal(true);
      await (await erc721.burn(42n)).wait();
      expect((await evaluateConditions("accessControlConditions", own, ctx(holder))).passed).to.equal(false);
    });
  });

  describe("evmContract", () => {
    it("calls a view function by its ABI and tests its output", async () => {
      expect(
        (await evaluateConditions("evmContractConditions", [contractCondition()], ctx(member))).passed,
      ).to.equal(true);
      expect(
        (await evaluateConditions("evmContractConditions", [contractCondition()], ctx(stranger))).passed,
      ).to.equal(false);
    });

    it("selects a named output with returnValueTest.key", async () => {
      const tier = (key: string, comparator: string, value: string) =>
        contractCondition(
          {
            functionName: "tier",
            functionAbi: {
              name: "tier",
              inputs: [{ name: "who", type: "address" }],
              outputs: [
                { name: "level", type: "uint256" },
                { name: "name", type: "string" },
              ],
              stateMutability: "view",
            },
          },
          { key, comparator, value },
        );
      expect(
        (await evaluateConditions("evmContractConditions", [tier("level", ">=", "2")], ctx(member))).passed,
      ).to.equal(true);
      expect(
        (await evaluateConditions("evmContractConditions", [tier("name", "=", "gold")], ctx(member))).passed,
      ).to.equal(true);
      expect(
        (await evaluateConditions("evmContractConditions", [tier("name", "=", "gold")], ctx(stranger)))
          .passed,
      ).to.equal(false);
      expect(
        (await evaluateConditions("evmContractConditions", [tier("", "=", "2")], ctx(member))).passed,
      ).to.equal(true);
    });

    it("tests membership of an array output with contains / !contains", async () => {
      const members = (comparator: string) =>
        contractCondition(
          {
            functionName: "members",
            functionParams: [],
            functionAbi: {
              name: "members",
              inputs: [],
              outputs: [{ name: "", type: "address[]" }],
              stateMutability: "view",
            },
          },
          { comparator, value: ":userAddress" },
        );
      expect(
        (await evaluateConditions("evmContractConditions", [members("contains")], ctx(member))).passed,
      ).to.equal(true);
      expect(
        (await evaluateConditions("evmContractConditions", [members("contains")], ctx(stranger))).passed,
      ).to.equal(false);
      expect(
        (await evaluateConditions("evmContractConditions", [members("!contains")], ctx(stranger))).passed,
      ).to.equal(true);
    });

    it("encodes uint256, bytes32[] (hex without 0x), bool and string parameters", async () => {
      const cond = contractCondition(
        {
          functionName: "sumIfEnabled",
          functionParams: ["10", `[${"0".repeat(63)}2,${"0".repeat(63)}3]`, "true", ":litParam:tag"],
          functionAbi: {
            name: "sumIfEnabled",
            inputs: [
              { name: "base", type: "uint256" },
              { name: "vals", type: "bytes32[]" },
              { name: "enabled", type: "bool" },
              { name: "tag", type: "string" },
            ],
            outputs: [{ name: "", type: "uint256" }],
            stateMutability: "pure",
          },
        },
        { comparator: "=", value: "15" },
      );
      const r = await evaluateConditions(
        "evmContractConditions",
        [cond],
        ctx(member, { litParams: { tag: "x" } }),
      );
      expect(r.passed).to.equal(true);
      expect(r.outcomes[0].result).to.equal("15");
    });

    it("makes a reverting function false", async () => {
      const cond = contractCondition({
        functionName: "alwaysReverts",
        functionAbi: {
          name: "alwaysReverts",
          inputs: [{ name: "", type: "address" }],
          outputs: [{ name: "", type: "bool" }],
          stateMutability: "pure",
        },
      });
      const r = await evaluateConditions("evmContractConditions", [cond], ctx(member));
      expect(r.passed).to.equal(false);
      expect(r.outcomes[0].why).to.equal("the call reverted");
    });

    it("makes a call to an address without code false", async () => {
      const cond = contractCondition({ contractAddress: Wallet.createRandom().address });
      const r = await evaluateConditions("evmContractConditions", [cond], ctx(member));
      expect(r.passed).to.equal(false);
      expect(r.outcomes[0].why).to.match(/no valid data/);
    });
  });

  describe("unified conditions", () => {
    it("evaluates evmBasic and evmContract by conditionType, and by shape without it", async () => {
      const withTypes = [
        {
          conditionType: "evmBasic",
          ...erc("ERC20", erc20.target as string, "balanceOf", [":userAddress"], ">", "0"),
        },
        { operator: "and" },
        { conditionType: "evmContract", ...contractCondition() },
      ];
      expect(
        (await evaluateConditions("unifiedAccessControlConditions", withTypes, ctx(member))).passed,
      ).to.equal(true);
      const canonical = withTypes.map((c) => {
        const { conditionType: _drop, ...rest } = c as Record<string, unknown>;
        return rest;
      });
      expect(unifiedConditionType(canonical[0])).to.equal("evmBasic");
      expect(unifiedConditionType(canonical[2])).to.equal("evmContract");
      expect(
        (await evaluateConditions("unifiedAccessControlConditions", canonical, ctx(member))).passed,
      ).to.equal(true);
      expect(
        (await evaluateConditions("unifiedAccessControlConditions", canonical, ctx(stranger))).passed,
      ).to.equal(false);
    });

    it("refuses solRpc and cosmos conditions as unsupported", async () => {
      const e = await expectRefusal(
        evaluateConditions(
          "unifiedAccessControlConditions",
          [
            {
              conditionType: "solRpc",
              method: "",
              params: [],
              chain: "solana",
              returnValueTest: { key: "", comparator: "=", value: "" },
            },
          ],
          ctx(member),
        ),
      );
      expect(e).to.be.instanceOf(InvalidRequestError);
      expect(e.reason).to.equal("UnsupportedCondition");
    });
  });

  describe("and / or", () => {
    const yes = () => basic({ returnValueTest: { comparator: "=", value: member } });
    const no = () => basic({ returnValueTest: { comparator: "=", value: stranger } });
    const run = async (conds: unknown[]) =>
      (await evaluateConditions("accessControlConditions", conds, ctx(member))).passed;

    it("combines with and / or left to right", async () => {
      expect(await run([yes(), { operator: "and" }, yes()])).to.equal(true);
      expect(await run([yes(), { operator: "and" }, no()])).to.equal(false);
      expect(await run([no(), { operator: "or" }, yes()])).to.equal(true);
      expect(await run([no(), { operator: "or" }, no()])).to.equal(false);
      // ((no or yes) and no) = false; no precedence of and over or
      expect(await run([no(), { operator: "or" }, yes(), { operator: "and" }, no()])).to.equal(false);
    });

    it("evaluates nested groups", async () => {
      expect(await run([no(), { operator: "or" }, [yes(), { operator: "and" }, yes()]])).to.equal(true);
      expect(
        await run([
          [no(), { operator: "or" }, yes()],
          { operator: "and" },
          [no(), { operator: "or" }, [yes()]],
        ]),
      ).to.equal(true);
      expect(await run([yes(), { operator: "and" }, [no(), { operator: "or" }, no()]])).to.equal(false);
    });

    it("short-circuits: a condition that cannot change the result is not read", async () => {
      const r = await evaluateConditions(
        "accessControlConditions",
        [no(), { operator: "and" }, yes()],
        ctx(member),
      );
      expect(r.outcomes).to.have.length(1);
    });
  });

  describe("checkConditions", () => {
    it("refuses with ConditionsNotMet naming the failed condition and what it read", async () => {
      const cond = [erc("ERC20", erc20.target as string, "balanceOf", [":userAddress"], ">", "999")];
      const e = await expectRefusal(checkConditions("accessControlConditions", cond, ctx(stranger)));
      expect(e).to.be.instanceOf(NotPermittedError);
      expect(e.reason).to.equal("ConditionsNotMet");
      expect(e.message).to.contain(stranger);
      expect(e.details.join("\n")).to.contain('returned "0", needs > "999"');
    });

    it("returns the outcomes when the conditions hold", async () => {
      const cond = [erc("ERC20", erc20.target as string, "balanceOf", [":userAddress"], ">", "999")];
      const r = await checkConditions("accessControlConditions", cond, ctx(member));
      expect(r.outcomes[0]).to.include({ passed: true, result: "1000" });
    });
  });

  describe("comparators", () => {
    const cases: [string, string, string, boolean][] = [
      ["10", "=", "10", true],
      ["10", "=", "010", true],
      ["10", "=", "11", false],
      ["0xAbC0000000000000000000000000000000000001", "=", "0xabc0000000000000000000000000000000000001", true],
      ["gold", "=", "Gold", false],
      ["10", "!=", "11", true],
      ["10", "!=", "10", false],
      ["10", ">", "9", true],
      ["10", ">", "10", false],
      ["10", "<", "11", true],
      ["10", "<", "10", false],
      ["10", ">=", "10", true],
      ["9", ">=", "10", false],
      ["10", "<=", "10", true],
      ["11", "<=", "10", false],
      [parseEther("1000000").toString(), ">", parseEther("999999").toString(), true],
      ["hello world", "contains", "world", true],
      ["hello world", "contains", "moon", false],
      ["hello world", "!contains", "moon", true],
      ["hello world", "!contains", "world", false],
    ];
    for (const [result, comparator, value, expected] of cases) {
      it(`${JSON.stringify(result)} ${comparator} ${JSON.stringify(value)} is ${expected}`, () => {
        expect(compare(result, comparator as never, value)).to.equal(expected);
      });
    }

    it("tests list results: contains and = element-wise", () => {
      expect(compare(["1", "2"], "contains", "2")).to.equal(true);
      expect(compare(["1", "2"], "!contains", "3")).to.equal(true);
      expect(compare(["1", "2"], "=", "[1,2]")).to.equal(true);
      expect(compare(["1", "2"], "=", '["1","3"]')).to.equal(false);
    });

    it("refuses an ordering comparator on something that is not an integer", () => {
      expect(() => compare("gold", ">", "1")).to.throw(InvalidRequestError, /integer result/);
      expect(() => compare("1", "<", "one")).to.throw(InvalidRequestError, /integer value/);
      expect(() => compare(["1"], ">=", "1")).to.throw(InvalidRequestError);
    });

    it("knows exactly the eight comparators", () => {
      expect([...COMPARATORS]).to.deep.equal(["=", "!=", ">", "<", ">=", "<=", "contains", "!contains"]);
    });
  });

  describe("parameters", () => {
    it("substitutes :litParam:<name> from SIWE resources (base64url)", async () => {
      const params = litParamsFromResources([
        `litParam:tokenId:${Buffer.from("7").toString("base64url")}`,
        "urn:recap:whatever",
      ]);
      expect(params).to.deep.equal({ tokenId: "7" });
      const own = [
        erc("ERC721", erc721.target as string, "ownerOf", [":litParam:tokenId"], "=", ":userAddress"),
      ];
      expect(
        (await evaluateConditions("accessControlConditions", own, ctx(member, { litParams: params }))).passed,
      ).to.equal(true);
    });

    it("refuses a :litParam: that was not given", async () => {
      const own = [
        erc("ERC721", erc721.target as string, "ownerOf", [":litParam:tokenId"], "=", ":userAddress"),
      ];
      const e = await expectRefusal(evaluateConditions("accessControlConditions", own, ctx(member)));
      expect(e.reason).to.equal("MissingParameter");
    });

    it("substitutes :currentActionIpfsId inside an action and refuses it outside", async () => {
      const cid = "QmVdBNcm4jcwW4xctMazVXRjkMVnvo8Q18nYZKEbW68gxB";
      const cond = [
        basic({ parameters: [":currentActionIpfsId"], returnValueTest: { comparator: "=", value: cid } }),
      ];
      expect(
        (await evaluateConditions("accessControlConditions", cond, ctx(member, { currentActionIpfsId: cid })))
          .passed,
      ).to.equal(true);
      const e = await expectRefusal(evaluateConditions("accessControlConditions", cond, ctx(member)));
      expect(e.reason).to.equal("MissingParameter");
    });

    it("refuses a parameter that is not an address where one is needed", async () => {
      const cond = [erc("ERC20", erc20.target as string, "balanceOf", ["not-an-address"], ">", "0")];
      const e = await expectRefusal(evaluateConditions("accessControlConditions", cond, ctx(member)));
      expect(e.reason).to.equal("BadParameter");
    });
  });

  describe("Lit Action conditions", () => {
    const cid = "QmVdBNcm4jcwW4xctMazVXRjkMVnvo8Q18nYZKEbW68gxB";
    const action = (value = "true") =>
      basic({
        contractAddress: `ipfs://${cid}`,
        standardContractType: "LitAction",
        method: "go",
        parameters: ["40", ":userAddress"],
        returnValueTest: { comparator: "=", value },
      });

    it("asks the runner with the CID, method and substituted parameters, and tests its answer", async () => {
      const seen: unknown[] = [];
      const runActionCondition = async (req: unknown) => {
        seen.push(req);
        return true;
      };
      expect(
        (await evaluateConditions("accessControlConditions", [action()], ctx(member, { runActionCondition })))
          .passed,
      ).to.equal(true);
      expect(seen).to.deep.equal([
        { cid, method: "go", parameters: ["40", member], userAddress: member, chain: CHAIN },
      ]);
      expect(
        (
          await evaluateConditions(
            "accessControlConditions",
            [action("false")],
            ctx(member, { runActionCondition }),
          )
        ).passed,
      ).to.equal(false);
    });

    it("makes a failing action false", async () => {
      const r = await evaluateConditions(
        "accessControlConditions",
        [action()],
        ctx(member, {
          runActionCondition: async () => {
            throw new Error("boom");
          },
        }),
      );
      expect(r.passed).to.equal(false);
      expect(r.outcomes[0].why).to.contain("boom");
    });

    it("refuses as unavailable without a runner", async () => {
      const e = await expectRefusal(evaluateConditions("accessControlConditions", [action()], ctx(member)));
      expect(e.reason).to.equal("LitActionConditionsUnavailable");
    });

    it("refuses an ipfs address that is not a CID", async () => {
      const bad = { ...action(), contractAddress: "ipfs://nope" };
      expect(() => prepareConditions("accessControlConditions", [bad], chains)).to.throw(
        InvalidRequestError,
        /ipfs/,
      );
    });
  });

  describe("malformed conditions (refused before any read)", () => {
    const refuse = (
      kind: "accessControlConditions" | "evmContractConditions",
      conds: unknown[],
      reason: string,
      message?: RegExp,
    ) => {
      let err: InvalidRequestError | undefined;
      try {
        prepareConditions(kind, conds, chains);
      } catch (e) {
        err = e as InvalidRequestError;
      }
      expect(err, "refused").to.be.instanceOf(InvalidRequestError);
      expect(err!.reason).to.equal(reason);
      if (message) expect(err!.message).to.match(message);
    };
    const one = () => basic({ returnValueTest: { comparator: "=", value: member } });

    it(`refuses more than ${MAX_CONDITIONS} conditions, nested ones counted`, () => {
      const flat: unknown[] = [];
      for (let k = 0; k < MAX_CONDITIONS; k++) flat.push(...(k ? [{ operator: "or" }] : []), one());
      expect(() => prepareConditions("accessControlConditions", flat, chains)).to.not.throw();
      refuse("accessControlConditions", [...flat, { operator: "or" }, one()], "TooManyConditions");
      refuse(
        "accessControlConditions",
        [...flat.slice(2), { operator: "or" }, [one(), { operator: "and" }, one()]],
        "TooManyConditions",
      );
    });

    it("refuses an unknown comparator", () => {
      refuse(
        "accessControlConditions",
        [basic({ returnValueTest: { comparator: "==", value: "1" } })],
        "UnknownComparator",
      );
      refuse(
        "accessControlConditions",
        [basic({ returnValueTest: { comparator: "≥", value: "1" } })],
        "UnknownComparator",
      );
    });

    it("refuses an unknown operator and a broken condition/operator sequence", () => {
      refuse("accessControlConditions", [one(), { operator: "xor" }, one()], "UnknownOperator");
      refuse("accessControlConditions", [one(), one()], "InvalidConditions", /starts and ends/);
      refuse("accessControlConditions", [one(), { operator: "and" }], "InvalidConditions");
      refuse("accessControlConditions", [{ operator: "and" }], "InvalidConditions", /expected a condition/);
      refuse("accessControlConditions", [one(), one(), one()], "InvalidConditions", /expected an operator/);
      refuse("accessControlConditions", [[]], "InvalidConditions", /empty/);
    });

    it("refuses an unknown chain", () => {
      let err: InvalidRequestError | undefined;
      try {
        prepareConditions("accessControlConditions", [basic({ chain: "ethereum" })], chains);
      } catch (e) {
        err = e as InvalidRequestError;
      }
      expect(err?.reason).to.equal("UnknownChain");
      expect(err?.message).to.contain("yellowstone");
    });

    it("refuses unsupported standardContractTypes and methods, and wrong parameter counts", () => {
      refuse(
        "accessControlConditions",
        [basic({ standardContractType: "POAP", method: "tokenURI" })],
        "UnsupportedCondition",
      );
      refuse(
        "accessControlConditions",
        [erc("ERC20", erc20.target as string, "transfer", [":userAddress"], "=", "1")],
        "UnsupportedCondition",
      );
      refuse(
        "accessControlConditions",
        [erc("ERC20", erc20.target as string, "balanceOf", [], ">", "0")],
        "InvalidConditions",
        /parameters/,
      );
      refuse(
        "accessControlConditions",
        [erc("ERC20", "0x1234", "balanceOf", [":userAddress"], ">", "0")],
        "InvalidConditions",
        /contractAddress/,
      );
      refuse(
        "accessControlConditions",
        [basic({ parameters: "x" })],
        "InvalidConditions",
        /array of strings/,
      );
      refuse(
        "accessControlConditions",
        [basic({ returnValueTest: { comparator: "=", value: 5 } })],
        "InvalidConditions",
      );
    });

    it("refuses a bad ABI", () => {
      refuse(
        "evmContractConditions",
        [
          contractCondition({
            functionAbi: {
              name: "isMember",
              inputs: [{ name: "", type: "adress" }],
              outputs: [{ name: "", type: "bool" }],
              stateMutability: "view",
            },
          }),
        ],
        "BadAbi",
      );
      refuse("evmContractConditions", [contractCondition({ functionAbi: "isMember(address)" })], "BadAbi");
      refuse(
        "evmContractConditions",
        [contractCondition({ functionName: "other" })],
        "BadAbi",
        /not the ABI/,
      );
      refuse(
        "evmContractConditions",
        [
          contractCondition({
            functionAbi: {
              name: "isMember",
              inputs: [{ name: "", type: "address" }],
              outputs: [{ name: "", type: "bool" }],
              stateMutability: "nonpayable",
            },
          }),
        ],
        "BadAbi",
        /view or pure/,
      );
      refuse(
        "evmContractConditions",
        [
          contractCondition({
            functionAbi: {
              name: "isMember",
              inputs: [{ name: "", type: "address" }],
              outputs: [],
              stateMutability: "view",
            },
          }),
        ],
        "BadAbi",
        /no outputs/,
      );
      refuse(
        "evmContractConditions",
        [contractCondition({}, { key: "missing" })],
        "BadAbi",
        /no output named/,
      );
      refuse(
        "evmContractConditions",
        [
          contractCondition({
            functionAbi: {
              name: "isMember",
              inputs: [{ name: "", type: "tuple", components: [{ name: "a", type: "uint256" }] }],
              outputs: [{ name: "", type: "bool" }],
              stateMutability: "view",
            },
          }),
        ],
        "BadAbi",
        /tuple/,
      );
      refuse(
        "evmContractConditions",
        [contractCondition({ functionParams: [] })],
        "InvalidConditions",
        /takes 1 parameters/,
      );
    });

    it("refuses function parameters that do not fit their ABI types", async () => {
      const cond = contractCondition({
        functionName: "sumIfEnabled",
        functionParams: ["ten", "[]", "true", "x"],
        functionAbi: {
          name: "sumIfEnabled",
          inputs: [
            { name: "base", type: "uint256" },
            { name: "vals", type: "bytes32[]" },
            { name: "enabled", type: "bool" },
            { name: "tag", type: "string" },
          ],
          outputs: [{ name: "", type: "uint256" }],
          stateMutability: "pure",
        },
      });
      const e = await expectRefusal(evaluateConditions("evmContractConditions", [cond], ctx(member)));
      expect(e.reason).to.equal("BadParameter");
      const notArray = { ...cond, functionParams: ["1", "0x01", "true", "x"] };
      expect(
        (await expectRefusal(evaluateConditions("evmContractConditions", [notArray], ctx(member)))).reason,
      ).to.equal("BadParameter");
      const shortBytes = { ...cond, functionParams: ["1", "[0x01]", "true", "x"] };
      expect(
        (await expectRefusal(evaluateConditions("evmContractConditions", [shortBytes], ctx(member)))).reason,
      ).to.equal("BadParameter");
    });
  });

  it("pads nothing: a zero-padded address still compares equal", () => {
    expect(compare(zeroPadValue(member, 20), "=", member)).to.equal(true);
    expect(compare(toBeHex(5n), ">", "1")).to.equal(true);
  });
});
