import { test } from "node:test";
import assert from "node:assert/strict";
import { getLogger } from "../mod.ts";
import { memoryOf } from "./_memory_backend.ts";

test("showSource names functions alike on every runtime: the bare name, as the Python edition's funcName", async () => {
  const logger = getLogger("source_names", { backends: [{ type: "memory", showSource: true }] });
  class Service {
    constructor() {
      logger.info("ctor");
    }
    handle() {
      logger.info("method");
    }
    static create() {
      logger.info("static");
    }
  }
  const obj = {
    meth() {
      logger.info("object method");
    },
  };
  function plain() {
    logger.info("plain");
  }
  const arrow = () => {
    logger.info("arrow");
  };
  async function later() {
    await Promise.resolve();
    logger.info("async");
  }
  new Service().handle();
  Service.create();
  obj.meth();
  plain();
  arrow();
  await later();
  const got = memoryOf(logger).entries.map((e) => [e.message, e.function, e.module]);
  assert.deepEqual(got.map(([m, f]) => [m, f]), [
    ["ctor", "Service"],
    ["method", "handle"],
    ["static", "create"],
    ["object method", "meth"],
    ["plain", "plain"],
    ["arrow", "arrow"],
    ["async", "later"],
  ]);
  for (const [, , module] of got) assert.equal(module, "source_test.ts");
});
