/** The seed's "Console Backend Usage" example. Run: deno run examples/console.ts */
import { getLogger, LogLevel } from "../mod.ts";

const logger = getLogger("console_app", {
  backends: [{
    type: "console",
    level: LogLevel.DEBUG,
    useColors: true,
    showSource: true,
    timestampFormat: "%H:%M:%S.%f",
  }],
});

logger.info("This will be colored and formatted nicely");
logger.debug("Structured fields follow the message", { user: "alice", password: "never printed" });
