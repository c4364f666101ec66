import { expect } from "chai";

import { HolderConfirmations } from "../../src/node/background/holders";

describe("presignature holders: only participants that confirmed they stored a share", () => {
  function confirmations(max?: number) {
    const recorded: { ids: readonly string[]; holder: number }[] = [];
    const c = new HolderConfirmations((ids, holder) => recorded.push({ ids, holder }), max);
    return { c, recorded };
  }

  it("records a notice at once when this node has stored the batch", () => {
    const { c, recorded } = confirmations();
    c.stored("s1");
    c.confirmed("s1", 3, ["a", "b"]);
    expect(recorded).to.deep.equal([{ ids: ["a", "b"], holder: 3 }]);
  });

  it("keeps a notice that arrives before this node stored the batch, and applies it when it does", () => {
    const { c, recorded } = confirmations();
    c.confirmed("s1", 2, ["a"]);
    c.confirmed("s1", 4, ["a"]);
    expect(recorded).to.deep.equal([]);
    c.stored("s1");
    expect(recorded).to.deep.equal([
      { ids: ["a"], holder: 2 },
      { ids: ["a"], holder: 4 },
    ]);
    c.stored("s1");
    expect(recorded).to.have.length(2);
  });

  it("never counts a participant that sent no notice (a batch it took part in but did not store)", () => {
    const { c, recorded } = confirmations();
    c.stored("s1");
    c.confirmed("s1", 2, ["a"]);
    expect(recorded.map((r) => r.holder)).to.deep.equal([2]);
  });

  it("keeps a bounded number of sessions", () => {
    const { c, recorded } = confirmations(2);
    c.confirmed("old", 2, ["x"]);
    c.confirmed("s2", 2, ["y"]);
    c.confirmed("s3", 2, ["z"]);
    c.stored("old");
    expect(recorded).to.deep.equal([]);
    c.stored("s3");
    expect(recorded).to.deep.equal([{ ids: ["z"], holder: 2 }]);
  });
});
