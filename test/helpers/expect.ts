/** Assertions the tests share. */
import { expect } from "chai";

/** The error a promise rejects with; fails the test if it resolves. */
export async function expectRejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  expect.fail("expected the promise to reject");
}
