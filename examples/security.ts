/**
 * The seed's "Security Configuration" example: bearer and API-key headers,
 * TLS verification on, and AES-256-GCM encrypted payloads that the receiver
 * opens with `decryptPayload`. Client certificates (`clientCert`,
 * `clientKey`) and a private CA (`caCert`) are file paths to PEM files; see
 * the README for mTLS. Run: deno run -A examples/security.ts
 */
import { getLogger } from "../mod.ts";
import { startCollector } from "./collector.ts";

const encryptionKey = "your_key"; // in production: from a secret store
const collector = await startCollector({ encryptionKey });

const logger = getLogger("secure_app", {
  backends: [{
    type: "rest_api",
    endpoint: collector.restUrl("secure"),
    headers: {
      "Authorization": "Bearer YOUR_TOKEN",
      "X-API-Key": "YOUR_API_KEY",
    },
    verifySsl: true, // verify TLS certificates (https endpoints)
    encryptPayload: true, // encrypt log payloads
    encryptionKey,
    batchTimeout: 0.1,
  }],
});

logger.info("card charged", { order: 42, card_token: "tok_4242" });
await logger.shutdown();
const [record] = collector.received.records.get("secure") ?? [];
console.log(`collector decrypted: ${record?.message} ${JSON.stringify(record?.context)}`);
await collector.close();
