// The seed-era payment service's session create, for bench/session_creates.py to compare with:
// sessions kept in an in-memory Map (lost on restart), answered as JSON. The seed ran on
// Express with express.json(); that is used when installed (npm install express). Without it
// the same work runs on Node's own http module, which is faster than Express: the comparison
// is then the harder one to win. Usage: node bench/seed_service.js PORT (prints the stack used)
"use strict";
const http = require("http");
const crypto = require("crypto");

const SESSION_EXPIRY_MS = 15 * 60 * 1000;
const MAX_RETRIES = 3;
const sessions = new Map();

function answer(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

function create(orderId) {
  const now = Date.now();
  const session = {
    sessionId: crypto.randomUUID(),
    orderId,
    status: "INITIATED",
    attempts: 0,
    maxAttempts: MAX_RETRIES,
    idempotencyKey: crypto.randomUUID(),
    createdAt: now,
    expiresAt: now + SESSION_EXPIRY_MS,
    interruptions: [],
  };
  sessions.set(session.sessionId, session);
  return { success: true, ...session };
}

function withExpress(express) {
  const app = express();
  app.use(express.json());
  app.post("/api/payments/session/create", (req, res) => {
    if (req.body.orderId === undefined) return res.status(400).json({ success: false, message: "orderId is required" });
    res.status(201).json(create(req.body.orderId));
  });
  return http.createServer(app);
}

const server = (() => {
  try {
    const express = require("express");
    console.log("express");
    return withExpress(express);
  } catch (err) {
    console.log("node-http");
    return plainServer();
  }
})();

function plainServer() {
  return http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/api/payments/session/create") {
    return answer(res, 404, { success: false, message: "not found" });
  }
  const parts = [];
  req.on("data", (part) => parts.push(part));
  req.on("end", () => {
    let orderId;
    try {
      orderId = JSON.parse(Buffer.concat(parts).toString("utf8")).orderId;
    } catch (err) {
      return answer(res, 400, { success: false, message: "invalid JSON" });
    }
    if (orderId === undefined) return answer(res, 400, { success: false, message: "orderId is required" });
    answer(res, 201, create(orderId));
  });
  });
}

server.listen(Number(process.argv[2]), "127.0.0.1");
