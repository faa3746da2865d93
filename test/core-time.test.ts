// The account of where a training call's core-seconds went (loaders/experiments/coreTime.ts) and the
// core pool's count of the time it handed out.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coreTime, describeCoreTime, type RunTiming } from "../loaders/experiments/coreTime.ts";
import { CoreSlots } from "../loaders/experiments/executor.ts";

const run = (timing: RunTiming["timing"], environment: RunTiming["environment"] = {}): RunTiming => ({ createdAt: "2026-12-07T00:00:00Z", timing, environment });

describe("coreTime", () => {
  it("counts a run's figures once per core it trained on, and splits the rest into held and not held", () => {
    const t = coreTime(
      [
        run({ trainSeconds: 10, evalSeconds: 1, setupSeconds: 2, validationSeconds: 3 }),
        run({ trainSeconds: 20, evalSeconds: 2, setupSeconds: 1, validationSeconds: 1 }, { threads: 2 }),
        run({ trainSeconds: 5, evalSeconds: 0 }, { replicas: 2 })
      ],
      50,
      2,
      90
    );
    assert.equal(t.offered, 100);
    assert.equal(t.training, 10 + 40 + 10);
    assert.equal(t.validation, 3 + 2);
    assert.equal(t.setup, 2 + 2);
    assert.equal(t.evaluation, 1 + 4);
    assert.equal(t.outsideRuns, 90 - 60 - 5 - 4 - 5);
    assert.equal(t.notHeld, 10);
    assert.equal(t.unrecorded, 1, "the run without setup and validation times");
    const lines = describeCoreTime(t);
    assert.match(lines[0], /^100 core-seconds offered \(50 s on 2 cores\), 3 runs:$/);
    assert.match(lines[1], /training 60 core-s \(60%\)/);
    assert.match(lines[3], /held by no one 10 core-s \(10%\)/);
  });

  it("never reports a negative remainder when the runs' own figures exceed what the pool counted", () => {
    const t = coreTime([run({ trainSeconds: 30, evalSeconds: 0, setupSeconds: 0, validationSeconds: 0 })], 10, 2, 25);
    assert.equal(t.outsideRuns, 0);
    assert.equal(t.notHeld, 0);
  });
});

describe("CoreSlots.heldCoreSeconds", () => {
  it("adds each claim's cores times the time it was held, once per release", async () => {
    const slots = new CoreSlots(2);
    assert.equal(slots.heldCoreSeconds(), 0);
    const both = await slots.acquire(2);
    await new Promise((resolve) => setTimeout(resolve, 60));
    both();
    both();
    const afterBoth = slots.heldCoreSeconds();
    assert.ok(afterBoth >= 2 * 0.05 && afterBoth < 2 * 1, `two cores for about 60 ms: ${afterBoth}`);
    const one = await slots.acquire(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    one();
    const added = slots.heldCoreSeconds() - afterBoth;
    assert.ok(added >= 0.05 && added < 1, `one core for about 60 ms: ${added}`);
  });
});
