/**
 * Categories, lazy values and fingers-crossed per request: one global
 * config, a subtree at DEBUG, and request logs written only for the request
 * that failed.
 *
 *   deno run examples/categories.ts
 */
import { getLogger, lazy, setGlobalConfig, shutdownAll } from "../mod.ts";

setGlobalConfig({
  level: "info",
  backends: [{ type: "console", format: "plain", useColors: false }],
  loggers: {
    "shop.db": { level: "debug" },
    "shop.http": {
      level: "debug",
      backends: [{ type: "console", format: "plain", useColors: false, fingersCrossed: { level: "error" } }],
    },
  },
});

const db = getLogger(["shop", "db", "pool"]); // the same logger as getLogger("shop.db.pool")
db.debug("pool ready", { size: 4 }); // written: shop.db is at DEBUG
getLogger("shop.cart").debug("not written: shop.cart follows the global INFO");

let computed = 0;
const expensive = () => {
  computed++;
  return { items: 3 };
};
getLogger("shop.cart").debug("cart state", { state: lazy(expensive) }); // below INFO: never computed
getLogger("shop.cart").info("cart state", { state: lazy(expensive) }); // computed once, when written
console.log(`lazy value computed ${computed} time(s)`);

const http = getLogger("shop.http");
async function handle(id: string, fail: boolean): Promise<void> {
  await http.withContext({ request_id: id }, async () => {
    http.debug(`${id}: parsing body`);
    await new Promise((r) => setTimeout(r, 1));
    http.info(`${id}: calling payment service`);
    if (fail) http.error(`${id}: payment declined`);
  });
}
await Promise.all([handle("req-1", false), handle("req-2", true), handle("req-3", false)]);
await http.flush(); // a record counts as written once its last byte is
const stats = http.getStats().backends[0];
console.log(`http backend: ${stats.messagesWritten} written, ${stats.suppressed} suppressed`);
await shutdownAll();
