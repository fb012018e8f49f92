#!/usr/bin/env node
// `npm run submit -- <article.json> [more.json ...]`: signs each file per Standard Webhooks
// (standardwebhooks.com) with WEBHOOK_SECRET (environment, else .dev.vars) and POSTs it to
// $TAGFEED_URL/api/articles (default http://127.0.0.1:8787). Prints the answer; exits 1 on non-2xx.
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readDevVars } from "./dev-vars.mjs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: npm run submit -- <article.json> [more.json ...]");
  process.exit(2);
}
const secret = process.env.WEBHOOK_SECRET ?? readDevVars().WEBHOOK_SECRET;
if (!secret) {
  console.error("no WEBHOOK_SECRET in the environment or .dev.vars (run `npm start` once to create it)");
  process.exit(2);
}
// During a rotation several secrets may be configured; sign with the first.
const key = Buffer.from(secret.split(/[\s,]+/)[0].replace(/^whsec_/, ""), "base64");
const base = (process.env.TAGFEED_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");

let failed = false;
for (const file of files) {
  const body = readFileSync(file);
  const id = `msg_${randomUUID()}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64");
  let response;
  try {
    response = await fetch(`${base}/api/articles`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": `v1,${signature}`,
      },
      body,
    });
  } catch (error) {
    console.error(`${file}: cannot reach ${base} (${error.cause?.code ?? error.message}); is \`npm start\` running?`);
    process.exit(1);
  }
  const text = await response.text();
  console.log(`${file}: ${response.status}`);
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    console.log(text);
  }
  if (!response.ok) failed = true;
}
process.exit(failed ? 1 : 0);
