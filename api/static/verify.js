// credanchor verify page: the credential or presentation travels in the URL fragment
// (#CA1:<Base45 of zlib-compressed JSON>), which browsers never send to a server. The page decodes it
// here, asks POST /v1/verify for the report and shows each check. Nothing is stored, here or there.
"use strict";

const BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const PREFIX = "CA1:";
const MAX_BYTES = 256 * 1024;

function base45Decode(text) {
  const values = Array.from(text, (c) => {
    const v = BASE45.indexOf(c);
    if (v < 0) throw new Error(`not Base45: ${JSON.stringify(c)}`);
    return v;
  });
  if (values.length % 3 === 1) throw new Error("not Base45: wrong length");
  const out = [];
  for (let i = 0; i < values.length; i += 3) {
    const chunk = values.slice(i, i + 3);
    const n = chunk.reduce((sum, v, k) => sum + v * 45 ** k, 0);
    if (chunk.length === 3) {
      if (n > 0xffff) throw new Error("not Base45: value out of range");
      out.push(n >> 8, n & 0xff);
    } else {
      if (n > 0xff) throw new Error("not Base45: value out of range");
      out.push(n);
    }
  }
  return new Uint8Array(out);
}

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  const reader = stream.getReader();
  const parts = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BYTES) throw new Error("the document is larger than 256 KiB");
    parts.push(value);
  }
  const whole = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    whole.set(part, at);
    at += part.length;
  }
  return whole;
}

async function decodeCompact(text) {
  if (!text.startsWith(PREFIX)) throw new Error(`not a credanchor QR text (it must start with ${PREFIX})`);
  const json = new TextDecoder("utf-8", { fatal: true }).decode(await inflate(base45Decode(text.slice(PREFIX.length))));
  const document = JSON.parse(json);
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new Error("the text does not hold a credential or presentation");
  }
  return document;
}

function line(list, name, check) {
  const item = document.createElement("li");
  item.className = check.outcome;
  const mark = { pass: "✓ pass", fail: "✗ fail", not_applicable: "– n/a" }[check.outcome] || check.outcome;
  item.textContent = `${mark} — ${name}: ${check.reason}`;
  list.appendChild(item);
}

function show(report) {
  const out = document.getElementById("report");
  out.replaceChildren();
  const verdict = document.createElement("p");
  verdict.className = report.verified ? "verified" : "not-verified";
  verdict.textContent = report.verified ? "Verified" : "NOT verified";
  out.appendChild(verdict);
  const list = document.createElement("ul");
  for (const [name, check] of Object.entries(report.checks || {})) line(list, name, check);
  for (const inner of report.credentials || []) {
    for (const [name, check] of Object.entries(inner.checks)) line(list, `credential ${inner.credential}: ${name}`, check);
  }
  out.appendChild(list);
}

async function main() {
  const status = document.getElementById("status");
  document.getElementById("report").replaceChildren();
  const text = decodeURIComponent(location.hash.slice(1));
  if (!text) {
    status.textContent = "No credential in this link: scan a credanchor QR code, or open the link it holds.";
    return;
  }
  try {
    const documentToVerify = await decodeCompact(text);
    status.textContent = "Verifying…";
    const answer = await fetch("/v1/verify", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(documentToVerify),
    });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.detail || `the server answered ${answer.status}`);
    status.textContent = "";
    show(body);
  } catch (error) {
    status.textContent = `Cannot verify: ${error.message}`;
  }
}

if (typeof module !== "undefined") {
  module.exports = { base45Decode, decodeCompact };
} else {
  window.addEventListener("DOMContentLoaded", main);
  window.addEventListener("hashchange", main); // another link opened in the same tab
}
