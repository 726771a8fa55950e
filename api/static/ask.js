// credanchor "ask a wallet" page: POST /v1/presentation-requests makes a request (QR code and links for the
// learner's wallet, and a verifier key shown once); the page keeps the request's id and key in the URL
// fragment (#id=…&key=…, never sent to a server) and polls GET /v1/presentation-requests/{id} with the key
// until a wallet answered, then shows every check of the report.
"use strict";

const POLL_MS = 3000;

function fragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  return {id: params.get("id"), key: params.get("key")};
}

function say(text) {
  document.getElementById("status").textContent = text;
}

function row(table, name, check) {
  const tr = table.insertRow();
  tr.insertCell().textContent = name;
  tr.insertCell().textContent = check.outcome;
  tr.insertCell().textContent = check.reason;
  tr.className = check.outcome;
}

function show(report) {
  const section = document.getElementById("report");
  section.replaceChildren();
  const table = document.createElement("table");
  const checks = {...report.request_checks, ...report.checks};
  for (const [name, check] of Object.entries(checks)) row(table, name, check);
  for (const credential of report.credentials || []) {
    for (const [name, check] of Object.entries(credential.checks)) {
      row(table, `${credential.credential}: ${name}`, check);
    }
  }
  section.append(table);
}

async function poll() {
  const {id, key} = fragment();
  if (!id || !key) return;
  document.getElementById("ask").hidden = true;
  const response = await fetch(`/v1/presentation-requests/${encodeURIComponent(id)}`,
    {headers: {Authorization: `Bearer ${key}`}});
  const body = await response.json();
  if (!response.ok) {
    say(body.detail || `the server answered ${response.status}`);
    return;
  }
  if (body.state === "waiting") {
    say("Waiting for the wallet's answer…");
    setTimeout(poll, POLL_MS);
    return;
  }
  if (body.state === "expired") {
    say("The request expired without an answer.");
    return;
  }
  document.getElementById("request").hidden = true;
  say(body.verified ? `Verified: presented by ${body.holder}.` : `Not verified (presented by ${body.holder}).`);
  show(body.report);
}

async function ask(event) {
  event.preventDefault();
  const achievements = document.getElementById("achievements").value.split("\n").map((s) => s.trim())
    .filter(Boolean);
  const response = await fetch("/v1/presentation-requests", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({achievements, accredited: document.getElementById("accredited").checked, qr: "svg"}),
  });
  const body = await response.json();
  if (!response.ok) {
    say(body.detail || `the server answered ${response.status}`);
    return;
  }
  location.hash = new URLSearchParams({id: body.id, key: body.verifier_key}).toString();
  document.getElementById("qr").src = body.qr.vcapi_interaction;
  document.getElementById("link").href = body.links.lcw_deep_link;
  document.getElementById("request").hidden = false;
  poll();
}

document.getElementById("ask").addEventListener("submit", ask);
poll();
