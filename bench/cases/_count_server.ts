/**
 * A local HTTP endpoint that only counts: records (newlines in bodies),
 * requests and bytes. Prints `PORT <n>` once listening on 127.0.0.1; `GET
 * /count` answers the totals. Ends when its parent closes stdin, or after
 * five minutes at most.
 */
import { createServer } from "node:http";
import process from "node:process";

let records = 0;
let requests = 0;
let bytes = 0;

const server = createServer((req, res) => {
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ records, requests, bytes }));
    return;
  }
  req.on("data", (chunk: Uint8Array) => {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
  });
  req.on("end", () => {
    requests++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
});

const stop = () => {
  server.close();
  process.exit(0);
};
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === "object" && address ? address.port : 0}\n`);
});
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
setTimeout(stop, 300_000);
