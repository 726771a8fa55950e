// credanchor workshop page (docs/workshop.md). Plain JS, no build step, nothing loaded from elsewhere.
//
// The facilitator's link ends in #key=<the workshop issuer's API key>. The fragment is never sent to
// a server: the page moves the key into sessionStorage (this tab only), removes it from the address
// bar, and sends it only as "Authorization: Bearer" on issuing calls. Without a key, Verify still works.
"use strict";

const KEY_STORE = "credanchor.workshop.key";
const MODE_TITLES = { vc: "credanchor: a Verifiable Credential, held by the learner", nft: "NFT: a public soulbound token" };
const FIGURES = [
  ["credentials_seen", "Credentials seen"],
  ["holders_identified", "Holders identified"],
  ["fields_exposed", "Personal or credential fields readable"],
  ["linkable_credentials", "Credentials linkable to one person"],
  ["revocations", "Revocations seen"],
  ["revocations_attributable", "Revocations tied to a person"],
  ["bytes_on_chain", "Bytes of credential data on-chain"],
];

const state = { key: null, workshop: null, held: null, heldRequest: null, lastVerified: null };

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const made = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") made.textContent = value;
    else made.setAttribute(name, value);
  }
  for (const child of children) made.append(child);
  return made;
}

function say(id, text, isError = false) {
  const line = $(id);
  line.textContent = text;
  line.classList.toggle("error", isError);
}

// -- the key and the API ------------------------------------------------------------------------

function takeKey() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromLink = fragment.get("key");
  if (fromLink) {
    sessionStorage.setItem(KEY_STORE, fromLink);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY_STORE);
}

async function api(path, { method = "GET", body, auth = false } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth) headers.Authorization = `Bearer ${state.key}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    throw new Error(`the server answered ${response.status} without a JSON body`);
  }
  if (!response.ok) {
    const error = new Error((answer && answer.detail) || `the server answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return answer;
}

async function busy(button, action) {
  button.disabled = true;
  try {
    await action();
  } finally {
    button.disabled = false;
  }
}

// -- 1. issue -------------------------------------------------------------------------------------

function fillCourse(course) {
  $("title").value = course.title || "";
  $("description").value = course.description || "";
  $("outcomes").value = (course.learning_outcomes || []).join("\n");
  $("workload").value = course.workload_hours ?? "";
  $("ects").value = course.ects_credits ?? "";
  $("eqf").value = course.eqf_level ? String(course.eqf_level) : "";
  $("nqf").value = course.nqf_level || "";
  $("assessment").value = course.assessment_type || "";
  $("participation").value = course.participation_form || "online";
  $("quality").value = course.quality_assurance || "";
  $("skills").value = (course.skills || []).map((s) => `${s.label} | ${s.uri}`).join("\n");
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

function number(id) {
  const text = $(id).value.trim();
  return text === "" ? undefined : Number(text);
}

function issueRequest(mode) {
  const problems = [];
  const name = $("learner-name").value.trim();
  if (!name) problems.push("type the learner's name");
  for (const [id, label] of [["title", "a title"], ["description", "a description"], ["assessment", "the type of assessment"],
    ["quality", "the quality assurance"]]) {
    if (!$(id).value.trim()) problems.push(`give ${label}`);
  }
  const outcomes = lines($("outcomes").value);
  if (!outcomes.length) problems.push("give at least one learning outcome");
  const skills = [];
  for (const line of lines($("skills").value)) {
    const [label, uri] = line.split("|").map((part) => part.trim());
    if (!label || !uri) problems.push(`write the skill "${line}" as: label | ESCO skill URI`);
    else skills.push({ label, uri });
  }
  if (problems.length) throw new Error(`Cannot issue yet: ${problems.join("; ")}.`);
  const achievement = {
    title: $("title").value.trim(),
    description: $("description").value.trim(),
    learning_outcomes: outcomes,
    assessment_type: $("assessment").value.trim(),
    participation_form: $("participation").value,
    quality_assurance: $("quality").value.trim(),
    skills,
  };
  const optional = { workload_hours: number("workload"), ects_credits: number("ects"), eqf_level: number("eqf"),
    nqf_level: $("nqf").value.trim() || undefined };
  for (const [field, value] of Object.entries(optional)) if (value !== undefined) achievement[field] = value;
  const learner = { name };
  if ($("learner-email").value.trim()) learner.email = $("learner-email").value.trim();
  const request = { mode, learner, achievement };
  if ($("grade").value.trim()) request.grade = $("grade").value.trim();
  return request;
}

async function issue(mode, button) {
  let request;
  try {
    request = issueRequest(mode);
  } catch (error) {
    say("issue-status", error.message, true);
    return;
  }
  say("issue-status", mode === "vc" ? "Signing and anchoring on the chain…" : "Minting the token on the chain…");
  await busy(button, async () => {
    try {
      const answer = await api("/v1/workshop/credentials", { method: "POST", body: request, auth: true });
      if (mode === "vc") {
        state.held = answer.credential;
        const { mode: _, ...asIssued } = request; // what an offer to the learner's wallet is made from
        state.heldRequest = asIssued;
        const batch = answer.batch || {};
        say("issue-status", `Issued and anchored: ${answer.id} in batch ${batch.id} (transaction ${short(batch.tx_hash)}, ` +
          `block ${batch.block_number}).`);
        showCard(answer.credential);
        $("holder-actions").hidden = false;
      } else {
        say("issue-status", `Minted token #${answer.token_id} to ${short(answer.holder)} (transaction ${short(answer.tx)}).`);
        showToken(answer);
      }
      $("hold").hidden = false;
    } catch (error) {
      say("issue-status", `Not issued: ${error.message}`, true);
    }
  });
}

// -- 2. hold ----------------------------------------------------------------------------------------

function short(text) {
  return text && text.length > 18 ? `${text.slice(0, 10)}…${text.slice(-6)}` : String(text);
}

function asList(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function day(text) {
  if (!text) return "";
  const when = new Date(text);
  return Number.isNaN(when.getTime()) ? String(text) : when.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

function definitions(pairs) {
  const list = element("dl");
  for (const [term, value] of pairs) {
    if (value === undefined || value === null || value === "" || (value instanceof Array && !value.length)) continue;
    const description = element("dd", { "data-field": term });
    if (value instanceof Array) description.append(element("ul", {}, ...value.map((item) => element("li", { text: item }))));
    else description.textContent = String(value);
    list.append(element("dt", { text: term }), description);
  }
  return list;
}

function cardFacts(credential) {
  const subject = credential.credentialSubject || {};
  const achievement = subject.achievement || {};
  const issuer = typeof credential.issuer === "string" ? { id: credential.issuer } : credential.issuer || {};
  const learner = asList(subject.identifier).find((i) => i.identityType === "name" && !i.hashed);
  const grade = asList(subject.result).map((r) => r.value).filter(Boolean).join(", ");
  const levels = [];
  if (achievement.eqfLevel) levels.push(`EQF ${achievement.eqfLevel}`);
  if (achievement.nqfLevel) levels.push(`NQF ${achievement.nqfLevel}`);
  const workload = [];
  if (achievement.ectsCredits !== undefined) workload.push(`${achievement.ectsCredits} ECTS`);
  if (achievement.workloadHours !== undefined) workload.push(`${achievement.workloadHours} hours`);
  const skills = asList(achievement.alignment).filter((a) => a.targetFramework === "ESCO").map((a) => a.targetName);
  const place = issuer.address ? [issuer.address.addressRegion, issuer.address.addressCountryCode].filter(Boolean).join(", ") : "";
  return {
    title: achievement.name || credential.name || "(untitled)",
    description: achievement.description || credential.description || "",
    facts: [
      ["Awarded to", learner ? learner.identityHash : subject.id || "(not named)"],
      ["Awarding body", [issuer.name || issuer.id, place].filter(Boolean).join(" — ")],
      ["Level", levels.join(", ")],
      ["Workload", workload.join(" · ")],
      ["Grade", grade],
      ["Learning outcomes", asList(achievement.learningOutcomes)],
      ["Skills (ESCO)", skills],
      ["Assessment", achievement.assessmentType],
      ["Participation", achievement.participationForm],
      ["Quality assurance", achievement.qualityAssurance],
      ["Awarded on", day(credential.awardedDate || credential.validFrom)],
      ["Valid until", day(credential.validUntil)],
      ["Credential id", credential.id],
    ],
  };
}

function showCard(credential) {
  const facts = cardFacts(credential);
  const card = element("article", { class: "card vc", "aria-labelledby": "card-title", id: "badge-card" },
    element("p", { class: "kind", text: "Micro-credential · Verifiable Credential" }),
    element("h3", { id: "card-title", text: facts.title }),
    element("p", { text: facts.description }),
    definitions(facts.facts));
  $("card-area").replaceChildren(card);
  $("card-actions").hidden = false;
  $("wallet-offer").hidden = true;
  say("wallet-status", "");
  $("raw-json").textContent = JSON.stringify(credential, null, 2);
  $("raw-json").hidden = true;
  $("toggle-json").setAttribute("aria-expanded", "false");
  $("toggle-json").textContent = "Show JSON";
}

function showToken(token) {
  const metadata = token.metadata || {};
  const attributes = asList(metadata.attributes).map((a) => [a.trait_type, a.value]);
  const burn = element("button", { type: "button", id: "burn", text: `Burn token #${token.token_id} (revoke)` });
  burn.addEventListener("click", () => burnToken(token, burn));
  const card = element("article", { class: "card nft", "aria-labelledby": "token-title", id: "token-card" },
    element("p", { class: "kind", text: `NFT · token #${token.token_id}` }),
    element("h3", { id: "token-title", text: metadata.name || "(unnamed)" }),
    element("p", { class: "public-note", text: "Everything on this card is public on the blockchain, forever: " +
      "anyone can read it without asking the learner." }),
    definitions([["Held by", token.holder], ["Description", metadata.description], ...attributes,
      ["Mint transaction", token.tx]]),
    element("div", { class: "actions" }, burn),
    element("p", { class: "status", id: "burn-status", role: "status", "aria-live": "polite" }));
  $("nft-area").replaceChildren(card);
}

async function burnToken(token, button) {
  await busy(button, async () => {
    try {
      const answer = await api(`/v1/workshop/tokens/${token.token_id}/burn`, { method: "POST", auth: true });
      say("burn-status", `Token #${token.token_id} burnt (transaction ${short(answer.tx)}). Its metadata stays readable ` +
        "in the mint transaction.");
    } catch (error) {
      say("burn-status", `Not burnt: ${error.message}`, true);
    }
  });
}

function fileName(credential) {
  const id = String(credential.id || "credential").replace(/^urn:uuid:/, "").replace(/[^A-Za-z0-9._-]+/g, "-");
  return `credential-${id}.json`;
}

function download() {
  const credential = state.held;
  const blob = new Blob([JSON.stringify(credential, null, 2) + "\n"], { type: "application/json" });
  const link = element("a", { href: URL.createObjectURL(blob), download: fileName(credential) });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

// "Send to a wallet": an offer of the held credential (POST /v1/workshop/credentials/{id}/offer). The wallet that
// claims it receives the same achievement signed for its own DID, anchored at once (docs/workshop.md).
function showLink(id, link) {
  const shown = $(id);
  shown.textContent = link;
  if (shown.tagName === "A") shown.setAttribute("href", link);
}

async function sendToWallet(button) {
  const credential = state.held;
  if (!credential || !state.heldRequest) return;
  $("wallet-offer").hidden = true;
  say("wallet-status", "Making an offer for the learner's wallet…");
  await busy(button, async () => {
    try {
      const path = `/v1/workshop/credentials/${encodeURIComponent(credential.id)}/offer`;
      const offer = await api(path, { method: "POST", body: state.heldRequest, auth: true });
      $("qr-openid").src = offer.qr.openid_credential_offer_uri;
      $("qr-lcw").src = offer.qr.lcw_deep_link;
      showLink("link-openid", offer.links.openid_credential_offer_uri);
      showLink("link-lcw", offer.links.lcw_deep_link);
      showLink("link-exchange", offer.links.vcapi_exchange);
      $("wallet-offer").hidden = false;
      say("wallet-status", `Offer ${offer.id} for ${offer.learner}: valid until ${new Date(offer.expires_at).toLocaleString("en-GB")}.`);
    } catch (error) {
      say("wallet-status", `No offer made: ${error.message}`, true);
    }
  });
}

function toggleJson() {
  const raw = $("raw-json");
  raw.hidden = !raw.hidden;
  $("toggle-json").setAttribute("aria-expanded", String(!raw.hidden));
  $("toggle-json").textContent = raw.hidden ? "Show JSON" : "Hide JSON";
}

// -- 3. verify --------------------------------------------------------------------------------------

const CHECK_NAMES = {
  schema: "Micro-credential elements", signature: "Signature", merkle_inclusion: "In an anchored batch",
  anchored: "Anchored on the chain", issuer_accredited: "Issuer accredited", revocation: "Not revoked",
  suspension: "Not suspended", validity_period: "Validity period",
};

function showReport(report, label) {
  const verdict = element("p", { class: `verdict ${report.verified ? "pass" : "fail"}`, id: "verdict",
    text: report.verified ? `✓ Verified: ${label}` : `✗ NOT verified: ${label}` });
  const list = element("ul", { class: "checks", "aria-label": "Each check" });
  const add = (name, check) => {
    const mark = { pass: "✓ pass", fail: "✗ fail", not_applicable: "– not applicable" }[check.outcome] || check.outcome;
    list.append(element("li", { class: check.outcome, "data-check": name },
      element("span", { class: "mark", text: mark }), " — ", element("span", { class: "name", text: CHECK_NAMES[name] || name }),
      `: ${check.reason}`));
  };
  for (const [name, check] of Object.entries(report.checks || {})) add(name, check);
  for (const inner of report.credentials || []) {
    for (const [name, check] of Object.entries(inner.checks)) add(`${inner.credential}: ${name}`, check);
  }
  $("report").replaceChildren(verdict, list);
}

async function verifyDocument(credential, label) {
  say("verify-status", `Verifying ${label}…`);
  try {
    const report = await api("/v1/verify", { method: "POST", body: credential });
    state.lastVerified = credential;
    say("verify-status", "");
    showReport(report, label);
  } catch (error) {
    $("report").replaceChildren();
    say("verify-status", `Cannot verify ${label}: ${error.message}`, true);
  }
}

async function verifyFile(file) {
  if (!file) return;
  if (file.size > 2 * 1024 * 1024) {
    say("verify-status", `${file.name} is over 2 MiB: that is not a credential file.`, true);
    return;
  }
  let credential;
  try {
    credential = JSON.parse(await file.text());
  } catch (error) {
    $("report").replaceChildren();
    say("verify-status", `${file.name} is not a JSON credential file (${error.message}): choose the .json file you downloaded.`, true);
    return;
  }
  if (credential === null || typeof credential !== "object" || Array.isArray(credential)) {
    say("verify-status", `${file.name} holds JSON but not a credential (an object): choose a credential file.`, true);
    return;
  }
  await verifyDocument(credential, file.name);
}

function tamperedCopy(original) {
  const copy = structuredClone(original);
  const result = asList(copy.credentialSubject && copy.credentialSubject.result)[0];
  if (result && result.value !== undefined) {
    const before = result.value;
    result.value = before === "A+" ? "A" : "A+";
    return [copy, `the grade changed from “${before}” to “${result.value}”`];
  }
  const before = copy.name;
  copy.name = `${before || "Credential"} (with honours)`;
  return [copy, `the name changed from “${before}” to “${copy.name}”`];
}

async function tamper() {
  const original = state.lastVerified || state.held;
  if (!original) {
    say("verify-status", "Issue or verify a credential first, then tamper with a copy of it.", true);
    return;
  }
  const [copy, change] = tamperedCopy(original);
  say("verify-status", `Tampered copy: ${change}.`);
  await verifyDocument(copy, `a tampered copy (${change})`);
}

async function revoke(button) {
  const credential = state.held;
  if (!credential) return;
  await busy(button, async () => {
    say("verify-status", `Revoking ${credential.id} on the chain…`);
    try {
      const answer = await api(`/v1/credentials/${encodeURIComponent(credential.id)}/revoke`, { method: "POST", auth: true });
      const tx = answer.transactions[0] || {};
      say("verify-status", `Revoked in transaction ${short(tx.tx)} (block ${tx.block}): one bit flipped at a random ` +
        "position of the issuer's status list. Verify the file again to see it.");
    } catch (error) {
      say("verify-status", `Not revoked: ${error.message}`, true);
    }
  });
}

function setUpDropZone() {
  const zone = $("drop-zone");
  const input = $("verify-file");
  input.addEventListener("change", () => {
    verifyFile(input.files[0]);
    input.value = "";
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    verifyFile(event.dataTransfer.files[0]);
  });
}

// -- 4. what the chain shows --------------------------------------------------------------------------

function format(value) {
  return typeof value === "number" ? value.toLocaleString("en") : String(value);
}

function observerColumn(mode, report) {
  const rows = FIGURES.map(([name, label]) => {
    const figure = report[name];
    return element("tr", { "data-figure": name },
      element("th", { scope: "row" }, label, element("span", { class: "explanation", text: figure.explanation })),
      element("td", { class: "value", text: format(figure.value) }));
  });
  const table = element("table", { class: "figures" },
    element("caption", { class: "explanation", text: `${format(report.transactions.value)} transactions, ` +
      `${format(report.events.value)} events read` }),
    element("tbody", {}, ...rows));
  const column = element("section", { class: `column ${mode}`, "aria-labelledby": `observer-${mode}`, id: `observer-column-${mode}` },
    element("h3", { id: `observer-${mode}`, text: MODE_TITLES[mode] }), table);
  const fields = report.fields || [];
  column.append(element("h4", { text: "Readable about the learners and their credentials" }));
  column.append(fields.length
    ? element("ul", {}, ...fields.map((f) => element("li", {}, element("strong", { text: f.field }),
      ` (${format(f.count)}×): ${f.examples.join(", ")}`)))
    : element("p", { text: "Nothing: the chain holds batch roots (hashes) and status bits at random positions." }));
  if ((report.profiles || []).length) {
    column.append(element("h4", { text: "Profiles a stranger can build" }));
    column.append(element("ul", {}, ...report.profiles.map((p) => element("li", {},
      element("strong", { text: p.names.join(" / ") || short(p.holder) }),
      `: ${p.credentials.map((c) => `${c.title}${c.grade ? ` (${c.grade})` : ""}${c.burnt ? " — burnt" : ""}`).join("; ")}`))));
  }
  return column;
}

async function observeChain(button) {
  await busy(button, async () => {
    say("observe-status", "Reading the chain…");
    try {
      const report = await api("/v1/workshop/observer", { auth: true });
      $("observer").replaceChildren(observerColumn("vc", report.modes.vc), observerColumn("nft", report.modes.nft));
      say("observe-status", `Read blocks ${report.from_block} to ${report.to_block} of chain ${report.chain_id}.`);
    } catch (error) {
      say("observe-status", `Cannot read the chain: ${error.message}`, true);
    }
  });
}

async function compare(button) {
  const learners = Number($("compare-learners").value); // 1 to 50: the form's own validation checked it
  await busy(button, async () => {
    say("compare-status", "Issuing the same roster three ways on a throwaway chain…");
    try {
      const answer = await api("/v1/workshop/comparison", { method: "POST", auth: true,
        body: { learners, credentials_per_learner: Number($("compare-each").value) } });
      showComparison(answer);
      say("compare-status", `${answer.comparison.credentials} credentials issued each way, measured.`);
    } catch (error) {
      say("compare-status", `The comparison failed: ${error.message}`, true);
    }
  });
}

function showComparison({ comparison, plots }) {
  const modes = Object.keys(comparison.modes);
  const head = element("tr", {}, element("th", { scope: "col", text: "measured" }),
    ...modes.map((m) => element("th", { scope: "col", text: comparison.modes[m].label })));
  const body = comparison.table.map((row) => element("tr", {},
    element("th", { scope: "row" }, row.figure, element("span", { class: "explanation", text: row.explanation })),
    ...modes.map((m) => element("td", { text: format(row.values[m]) }))));
  const table = element("table", { class: "comparison", id: "comparison-table" },
    element("caption", { text: `${comparison.learners} learners × ${comparison.credentials_per_learner} credentials; ` +
      `fees at an assumed ${comparison.assumptions.gas_price_gwei} gwei and ${format(comparison.assumptions.eth_price)} ` +
      `${comparison.assumptions.currency} per ether (gas is measured)` }),
    element("thead", {}, head), element("tbody", {}, ...body));
  const images = element("div", { class: "plots" },
    element("img", { src: plots.gas_plot, id: "gas-plot",
      alt: "Gas per credential against batch size, log-log: the anchored modes fall as batches grow, NFTs stay flat." }),
    element("img", { src: plots.privacy_plot, id: "privacy-plot",
      alt: "Bar chart of what a stranger learns in each mode: holders identified, linkable credentials, revocations tied to a person, fields exposed." }));
  $("comparison").replaceChildren(table, images);
}

// -- start -------------------------------------------------------------------------------------------

async function start() {
  setUpDropZone();
  $("download").addEventListener("click", download);
  $("send-to-wallet").addEventListener("click", (event) => sendToWallet(event.currentTarget));
  $("toggle-json").addEventListener("click", toggleJson);
  $("verify-issued").addEventListener("click", () => state.held && verifyDocument(state.held, "the issued credential"));
  $("tamper").addEventListener("click", tamper);
  $("revoke").addEventListener("click", (event) => revoke(event.currentTarget));
  $("observe").addEventListener("click", (event) => observeChain(event.currentTarget));
  $("compare-form").addEventListener("submit", (event) => {
    event.preventDefault();
    compare($("compare"));
  });
  $("issue-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const button = event.submitter || $("issue-vc");
    issue(button.value, button);
  });

  const picker = $("course");
  picker.addEventListener("change", () => {
    if (picker.value !== "") fillCourse(state.workshop.courses[Number(picker.value)]);
  });
  window.addEventListener("hashchange", () => {
    if (new URLSearchParams(location.hash.slice(1)).has("key")) connect();
  });
  await connect();
}

// Take the key (from the link, or this tab's storage) and open the issuing panels if the server accepts it.
async function connect() {
  state.key = takeKey();
  $("issue").hidden = true;
  $("chain").hidden = true;
  if (!state.key) {
    say("session", "Verification only: no workshop key in this tab.");
    $("no-key").hidden = false;
    return;
  }
  try {
    state.workshop = await api("/v1/workshop", { auth: true });
  } catch (error) {
    if (error.status === 401) sessionStorage.removeItem(KEY_STORE);
    say("session", `Verification only: ${error.message}`, true);
    $("no-key").hidden = false;
    return;
  }
  const w = state.workshop;
  say("session", `Issuing as ${w.issuer_name} (${short(w.issuer_did)}), accredited on chain ${w.chain_id}.`);
  const picker = $("course");
  picker.replaceChildren(...w.courses.map((course, i) => element("option", { value: String(i), text: course.title })),
    element("option", { value: "", text: "(type your own)" }));
  if (w.courses.length) fillCourse(w.courses[0]);
  $("no-key").hidden = true;
  $("issue").hidden = false;
  $("chain").hidden = false;
}

window.addEventListener("DOMContentLoaded", start);
