/**
 * Streams records to a WebSocket endpoint (the seed's "WebSocket Backend"
 * example). Without an endpoint argument it starts a local collector and
 * streams to its WebSocket endpoint. Run: deno run -A examples/websocket.ts [endpoint]
 *
 * Against websocketd, writing each message as a line to a file:
 *
 *   websocketd --port=8765 --address=127.0.0.1 sh -c 'cat >> /tmp/ws.log'
 *   deno run -A examples/websocket.ts ws://127.0.0.1:8765/ws
 */
import { getLogger, LogLevel } from "../mod.ts";
import { startCollector } from "./collector.ts";

const collector = Deno.args[0] ? undefined : await startCollector();
const endpoint = Deno.args[0] ?? collector!.wsUrl("websocket_app");

const logger = getLogger("websocket_app", {
  backends: [{
    type: "websocket",
    level: LogLevel.INFO,
    endpoint,
    headers: { Authorization: "Bearer YOUR_TOKEN" },
    reconnectInterval: 1.0,
    maxReconnectAttempts: 3,
  }],
});

logger.info("This will be sent via WebSocket");
for (let i = 0; i < 5; i++) logger.info("order placed", { order_id: i, amount: 10 * i });
await logger.shutdown();
const stats = logger.getStats().backends[0];
console.log(`written ${stats.messagesWritten}, dropped ${stats.messagesDropped}, failed ${stats.messagesFailed}`);
if (collector) {
  const records = collector.received.records.get("websocket_app") ?? [];
  console.log(`collector received ${records.length} records: ${records.map((r) => r.message).join(" | ")}`);
  await collector.close();
}
