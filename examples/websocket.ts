/**
 * Streams records to a WebSocket endpoint (the seed's "WebSocket Backend"
 * example). Try it against websocketd, writing each message as a line to a file:
 *
 *   websocketd --port=8765 --address=127.0.0.1 sh -c 'cat >> /tmp/ws.log'
 *   deno run --allow-net=127.0.0.1:8765 examples/websocket.ts   # or: bun / node examples/websocket.ts
 */
import { getLogger, LogLevel } from "../mod.ts";

const logger = getLogger("websocket_app", {
  backends: [{
    type: "websocket",
    level: LogLevel.INFO,
    endpoint: "ws://127.0.0.1:8765/ws",
    headers: { Authorization: "Bearer YOUR_TOKEN" },
    reconnectInterval: 1.0,
    maxReconnectAttempts: 3,
  }],
});

logger.info("This will be sent via WebSocket");
for (let i = 0; i < 5; i++) logger.info("order placed", { order_id: i, amount: 10 * i });
await logger.shutdown();
console.log(logger.getStats().backends[0]);
