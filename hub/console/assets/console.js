// The stewards' console: every screen reads and writes through the hub's GraphQL API.
// No framework and no build step: the browser runs this file as it is shipped.

const PAGE_SIZE = 25;
const view = () => document.getElementById("view");

// ---- talking to the hub ----------------------------------------------------------------------

class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.codes = errors.map((e) => (e.extensions || {}).code);
  }
}

// A read answered after the steward moved to another screen belongs to no screen any more:
// dropping it keeps a slow answer from drawing over the screen shown now.
class Stale extends Error {}
let screen = 0;

async function gql(query, variables = {}) {
  const asked = screen;
  const read = !query.trimStart().startsWith("mutation");
  try {
    const data = await ask(query, variables);
    if (read && asked !== screen) throw new Stale();
    return data;
  } catch (error) {
    // Whatever became of a read for a screen that is gone, nobody is waiting for it.
    if (read && asked !== screen) throw new Stale();
    throw error;
  }
}

async function ask(query, variables) {
  const headers = {
    "Content-Type": "application/json",
    Accept: "application/graphql-response+json, application/json",
  };
  const token = sessionStorage.getItem("hub.token");
  if (token) headers.Authorization = `Bearer ${token}`;
  const user = localStorage.getItem("hub.user");
  if (user) headers["X-Hub-User"] = user;
  const response = await fetch("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `the hub answered ${response.status} without JSON` }]);
  }
  if (body.errors && body.errors.length) throw new ApiError(body.errors);
  return body.data;
}

function explain(error) {
  if (error instanceof ApiError) {
    if (error.codes.includes("UNAUTHENTICATED") || error.codes.includes("FORBIDDEN")) {
      return `${error.message}. Sign in with a token of a client that has the steward scope.`;
    }
    return error.message;
  }
  return `The hub cannot be reached: ${error.message}`;
}

// An action that failed says why, unless its screen is gone.
function failed(error) {
  if (!(error instanceof Stale)) say(explain(error), "error");
}

// ---- small helpers for the page --------------------------------------------------------------

// An element with attributes (on* attributes become listeners) and children (text or nodes).
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

function say(message, kind = "") {
  const status = document.getElementById("status");
  status.textContent = message;
  status.className = kind;
}

function show(...content) {
  const main = view();
  main.replaceChildren(...content);
  main.inert = false; // the new screen takes clicks and the focus
  // A new screen: its heading gets the focus, so that a screen reader announces it and the
  // keyboard starts from it (the keys work while no field holds the cursor).
  const heading = main.querySelector("h1");
  if (heading && document.activeElement?.tagName !== "INPUT") {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
}

const score = (value) => (value === null || value === undefined ? "" : value.toFixed(3));
const day = (value) => (value ? value.slice(0, 10) : "");
const moment = (value) => (value ? value.replace("T", " ").slice(0, 19) : "");
const humane = (text) => (text || "").toLowerCase().replace(/_/g, " ");

function table(label, headings, rows, attributes = {}) {
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { "aria-label": label, ...attributes },
      h("caption", {}, label),
      h("thead", {}, h("tr", {}, headings.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows),
    ),
  );
}

function route() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [name = "queue", ...rest] = path.split("/");
  return { name: name || "queue", arg: rest.join("/"), params: new URLSearchParams(query) };
}

// A message said just before moving on (after a decision) stays on the next screen.
let keepStatus = false;

function go(name, params, { keep = false } = {}) {
  const query = params ? new URLSearchParams(params).toString() : "";
  keepStatus = keep;
  location.hash = `#/${name}${query ? `?${query}` : ""}`;
}

function partnerLink(partner) {
  if (!partner) return "";
  return h("a", { href: `#/partner/${encodeURIComponent(partner.id)}` }, partner.name);
}

// ---- the match queue -------------------------------------------------------------------------

const QUEUE = `
query Queue($status: MatchCandidateStatus, $where: MatchCandidateWhere,
            $orderBy: MatchCandidateOrder, $first: Int, $after: String, $last: Int,
            $before: String) {
  matchCandidates(status: $status, where: $where, orderBy: $orderBy, first: $first,
                  after: $after, last: $last, before: $before) {
    totalCount
    edges { node { id score status explanation createdAt
                   left { id name kind sources { system } }
                   right { id name sources { system } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

function queueFilters(params) {
  const field = (label, control) => h("label", {}, label, control);
  const select = (name, options) =>
    h(
      "select",
      { name },
      options.map(([value, text]) =>
        h("option", { value, selected: (params.get(name) || "") === value }, text),
      ),
    );
  const number = (name) =>
    h("input", {
      type: "number", name, min: "0", max: "1", step: "0.01", value: params.get(name) || "",
    });
  const form = h(
    "form",
    { class: "filters", "aria-label": "Filter the queue" },
    field("Status", select("status", [["", "Open"], ["MERGED", "Merged"], ["REJECTED", "Rejected"], ["ANY", "Any"]])),
    field("Score from", number("from")),
    field("Score to", number("to")),
    field("Kind", select("kind", [["", "Any"], ["PERSON", "Person"], ["ORGANIZATION", "Organisation"], ["GROUP", "Group"]])),
    field("System", h("input", { name: "system", value: params.get("system") || "", size: 8 })),
    field("Sort", select("order", [["", "Best score first"], ["SCORE_ASC", "Lowest score first"], ["NEWEST", "Newest first"], ["OLDEST", "Oldest first"]])),
    h("button", { type: "submit" }, "Apply"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = {};
    for (const [name, value] of new FormData(form)) if (value) chosen[name] = value;
    go("queue", chosen);
  });
  return form;
}

function queueVariables(params) {
  const status = params.get("status") || "OPEN";
  const where = {};
  if (params.get("from")) where.scoreFrom = Number(params.get("from"));
  if (params.get("to")) where.scoreTo = Number(params.get("to"));
  if (params.get("kind")) where.kind = params.get("kind");
  if (params.get("system")) where.system = params.get("system");
  const variables = {
    status: status === "ANY" ? null : status,
    where,
    orderBy: params.get("order") || "SCORE_DESC",
  };
  if (params.get("before")) Object.assign(variables, { last: PAGE_SIZE, before: params.get("before") });
  else Object.assign(variables, { first: PAGE_SIZE, after: params.get("after") || null });
  return variables;
}

async function queueView(params) {
  // The queue's filters and order, for the candidate that follows a decision.
  const kept = Object.fromEntries(params);
  delete kept.after;
  delete kept.before;
  sessionStorage.setItem("hub.queue", JSON.stringify(kept));
  const data = await gql(QUEUE, queueVariables(params));
  const found = data.matchCandidates;
  const systems = (p) => [...new Set(p.sources.map((s) => s.system))].join(", ");
  const rows = found.edges.map(({ node }) => {
    const open = () => go(`candidate/${encodeURIComponent(node.id)}`);
    return h(
      "tr",
      { class: "clickable", onclick: open },
      h("td", { class: "num" }, score(node.score)),
      h("td", {}, humane(node.left.kind)),
      h("td", {}, h("a", { href: `#/candidate/${encodeURIComponent(node.id)}` }, node.left.name),
        h("div", { class: "muted" }, systems(node.left))),
      h("td", {}, node.right.name, h("div", { class: "muted" }, systems(node.right))),
      h("td", {}, node.explanation),
      h("td", { class: "num" }, day(node.createdAt)),
      h("td", {}, humane(node.status)),
    );
  });
  const page = (name, cursor) => {
    const next = Object.fromEntries(params);
    delete next.after;
    delete next.before;
    next[name] = cursor;
    go("queue", next);
  };
  const info = found.pageInfo;
  show(
    h("h1", {}, "Match queue"),
    queueFilters(params),
    h("p", { class: "count" }, `${found.totalCount} candidate${found.totalCount === 1 ? "" : "s"}`),
    table("Match queue", ["Score", "Kind", "Left", "Right", "Reason", "Proposed", "Status"], rows),
    found.edges.length ? "" : h("p", { class: "muted" }, "Nothing waits here."),
    h(
      "div",
      { class: "pager" },
      h("button", { type: "button", disabled: !info.hasPreviousPage, onclick: () => page("before", info.startCursor) }, "Previous page"),
      h("button", { type: "button", disabled: !info.hasNextPage, onclick: () => page("after", info.endCursor) }, "Next page"),
    ),
  );
}

// ---- one candidate ---------------------------------------------------------------------------

const PARTNER_FIELDS = `
  id name kind firstName lastName organizationName birthDate taxNumber email phone roles
  addresses { street houseNumber postalCode city country }
  sources { system key }
  vehicles(first: 50) { edges { node { vin make model } } }
  identificationObjects(first: 50) { edges { node { kind number } } }`;

const CANDIDATE = `
query Candidate($id: ID!) {
  node(id: $id) {
    ... on MatchCandidate {
      id status score explanation createdAt decidedAt decidedBy decidedOnBehalfOf reason
      features { feature score weight left right }
      mergePreview { attribute value overridden source { system key } }
      left { ${PARTNER_FIELDS} }
      right { ${PARTNER_FIELDS} }
    }
  }
}`;

const ACCEPT = `
mutation Accept($id: ID!, $overrides: [AttributeOverrideInput!], $reason: String) {
  acceptMatchCandidate(id: $id, overrides: $overrides, reason: $reason) {
    businessPartner { id name }
    userErrors { field code message }
  }
}`;

const REJECT = `
mutation Reject($id: ID!, $reason: String) {
  rejectMatchCandidate(id: $id, reason: $reason) {
    matchCandidate { id status }
    userErrors { field code message }
  }
}`;

const NEXT = `
query Next($where: MatchCandidateWhere, $orderBy: MatchCandidateOrder) {
  matchCandidates(first: 50, where: $where, orderBy: $orderBy) { edges { node { id } } } }`;

// Which compared features speak about each attribute a steward sees.
const ATTRIBUTES = [
  ["name", "Name", []],
  ["firstName", "First name", ["firstName"]],
  ["lastName", "Last name", ["lastName"]],
  ["organizationName", "Organisation", ["name", "legalForm"]],
  ["birthDate", "Birth date", ["birthDate"]],
  ["taxNumber", "Tax number", ["taxNumber"]],
  ["email", "E-mail", ["email", "formerName"]],
  ["phone", "Phone", ["phone"]],
  ["addresses", "Addresses", ["street", "houseNumber", "postalCode", "city"]],
  ["roles", "Roles", []],
];

function evidence(feature) {
  if (!feature) return "missing";
  if (feature.weight < 0) return "disagree";
  if (feature.score >= 0.999) return "agree";
  return feature.weight > 0 ? "near" : "disagree";
}

function worst(features) {
  const kinds = features.map(evidence);
  for (const kind of ["disagree", "near", "agree"]) if (kinds.includes(kind)) return kind;
  return "missing";
}

function badge(kind, text) {
  return h("span", { class: `badge ${kind}` }, text || kind);
}

function shown(value) {
  if (value === null || value === undefined || value === "") return h("span", { class: "muted" }, "—");
  if (Array.isArray(value)) {
    if (value.length && typeof value[0] === "object") {
      return h("ul", { class: "plain" }, value.map((a) =>
        h("li", {}, [a.street, a.houseNumber].filter(Boolean).join(" "),
          ", ", [a.postalCode, a.city].filter(Boolean).join(" "), a.country ? ` (${a.country})` : "")));
    }
    return value.map(humane).join(", ");
  }
  return String(value);
}

function featureText(f) {
  return `${f.feature} ${score(f.score)} (${f.weight >= 0 ? "+" : ""}${f.weight.toFixed(1)})`;
}

function graphEvidence(candidate) {
  const vins = (p) => new Set(p.vehicles.edges.map((e) => e.node.vin));
  const cards = (p) => new Set(p.identificationObjects.edges.map((e) => `${e.node.kind} ${e.node.number}`));
  const places = (p) => new Set(p.addresses.map((a) => [a.street, a.houseNumber, a.postalCode].join("|")));
  const both = (a, b) => [...a].filter((x) => b.has(x));
  const { left, right } = candidate;
  const items = [
    ["Shared vehicles", both(vins(left), vins(right))],
    ["Shared cards", both(cards(left), cards(right))],
    ["Shared addresses", both(places(left), places(right)).map((x) => x.split("|").join(" "))],
  ];
  return h(
    "ul",
    { class: "plain", "aria-label": "Graph evidence" },
    items.map(([label, found]) =>
      h("li", {}, badge(found.length ? "agree" : "missing", found.length ? "shared" : "none"), " ",
        `${label}: `, found.length ? found.join(", ") : "none")),
  );
}

function comparison(candidate, preview) {
  const byFeature = Object.fromEntries(candidate.features.map((f) => [f.feature, f]));
  const empty = (value) => value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
  const told = ATTRIBUTES.filter(([attribute]) =>
    !empty(candidate.left[attribute]) || !empty(candidate.right[attribute]) || preview[attribute]);
  const rows = told.map(([attribute, label, features]) => {
    const found = features.map((name) => byFeature[name]).filter(Boolean);
    const kind = features.length ? worst(found) : "missing";
    const surviving = preview[attribute];
    const text = surviving ? surviving.value ?? "" : "";
    const editable = attribute !== "name";
    return h(
      "tr",
      { class: kind },
      h("th", { scope: "row" }, label),
      h("td", {}, shown(candidate.left[attribute])),
      h("td", {}, shown(candidate.right[attribute])),
      h("td", {}, features.length ? badge(kind) : "", found.length ? h("div", { class: "muted" }, found.map(featureText).join("; ")) : ""),
      h(
        "td",
        { class: "survives" },
        editable
          ? h("input", {
              "aria-label": `Survives: ${label}`,
              "data-attribute": attribute,
              "data-preview": text,
              value: text,
              title: surviving && surviving.source ? `from ${surviving.source.system} ${surviving.source.key}` : "",
            })
          : shown(survivingName(preview) || (candidate.left.name === candidate.right.name ? candidate.right.name : "")),
        surviving && surviving.source ? h("div", { class: "muted" }, `from ${surviving.source.system}`) : "",
      ),
    );
  });
  return table("Comparison", ["Attribute", "Left", "Right", "Evidence", "Survives"], rows);
}

// The name a merge leaves: the surviving first and last name, or organisation name.
function survivingName(preview) {
  const value = (attribute) => (preview[attribute] && preview[attribute].value) || "";
  return [value("firstName"), value("lastName")].filter(Boolean).join(" ") || value("organizationName");
}

function overrides() {
  return [...document.querySelectorAll("input[data-attribute]")]
    .filter((input) => input.value !== input.dataset.preview)
    .map((input) => ({ attribute: input.dataset.attribute, value: input.value === "" ? null : input.value }));
}

// Candidates skipped in this tab: the next one is the best open one not skipped yet.
function skipped() {
  return new Set(JSON.parse(sessionStorage.getItem("hub.skipped") || "[]"));
}

async function nextCandidate(current, skip = false) {
  const passed = skipped();
  if (skip) {
    passed.add(current);
    sessionStorage.setItem("hub.skipped", JSON.stringify([...passed].slice(-500)));
  }
  const queue = new URLSearchParams(JSON.parse(sessionStorage.getItem("hub.queue") || "{}"));
  const { where, orderBy } = queueVariables(queue);
  const data = await gql(NEXT, { where, orderBy });
  const ids = data.matchCandidates.edges.map((e) => e.node.id).filter((id) => id !== current);
  const next = ids.find((id) => !passed.has(id)) || (skip ? undefined : ids[0]);
  if (next) go(`candidate/${encodeURIComponent(next)}`, null, { keep: true });
  else go("queue", null, { keep: true });
}

function problems(errors) {
  return errors.map((e) => `${e.field.join(".")}: ${e.message}`).join("; ");
}

async function candidateView(id) {
  const data = await gql(CANDIDATE, { id });
  const candidate = data.node;
  if (!candidate) {
    show(h("h1", {}, "Candidate"), h("p", {}, "No such candidate. ", h("a", { href: "#/queue" }, "Back to the queue")));
    return;
  }
  const preview = Object.fromEntries(candidate.mergePreview.map((l) => [l.attribute, l]));
  const open = candidate.status === "OPEN";
  const reason = h("input", { id: "reason", name: "reason", "aria-label": "Reason", placeholder: "Why (required for Not a match)" });
  const decide = async (action) => {
    if (!open) return;
    try {
      if (action === "merge") {
        const result = await gql(ACCEPT, { id, overrides: overrides(), reason: reason.value || null });
        const payload = result.acceptMatchCandidate;
        if (payload.userErrors.length) return say(problems(payload.userErrors), "error");
        say(`Merged into ${payload.businessPartner.name}.`, "done");
      } else if (action === "reject") {
        if (!reason.value.trim()) {
          say("Say why these are not the same partner.", "error");
          reason.focus();
          return;
        }
        const result = await gql(REJECT, { id, reason: reason.value });
        const payload = result.rejectMatchCandidate;
        if (payload.userErrors.length) return say(problems(payload.userErrors), "error");
        say("Marked as not a match; the pair is not proposed again.", "done");
      } else {
        say("Skipped.");
        await nextCandidate(id, true);
        return;
      }
      await nextCandidate(id);
    } catch (error) {
      failed(error);
    }
  };
  const buttons = h(
    "div",
    { class: "actions", role: "group", "aria-label": "Decision" },
    reason,
    h("button", { type: "button", class: "primary", disabled: !open, onclick: () => decide("merge"), "aria-keyshortcuts": "m" }, "Merge"),
    h("button", { type: "button", class: "danger", disabled: !open, onclick: () => decide("reject"), "aria-keyshortcuts": "n" }, "Not a match"),
    h("button", { type: "button", onclick: () => decide("skip"), "aria-keyshortcuts": "s" }, "Skip"),
    h("span", { class: "hint" }, h("kbd", {}, "m"), " merge · ", h("kbd", {}, "n"), " not a match · ", h("kbd", {}, "s"), " skip"),
  );
  const decided = open
    ? ""
    : h("p", {}, badge(candidate.status === "MERGED" ? "agree" : "disagree", humane(candidate.status)),
        ` by ${candidate.decidedBy || "?"}${candidate.decidedOnBehalfOf ? ` for ${candidate.decidedOnBehalfOf}` : ""} on ${moment(candidate.decidedAt)}`,
        candidate.reason ? `: ${candidate.reason}` : "");
  show(
    h("h1", {}, `Candidate · score ${score(candidate.score)}`),
    h("p", {}, candidate.explanation, " ", h("span", { class: "muted" }, `proposed ${moment(candidate.createdAt)}`)),
    decided,
    h("div", { class: "pair" },
      h("section", { class: "card", "aria-label": "Left partner" }, h("h2", {}, "Left: ", partnerLink(candidate.left)),
        h("p", { class: "muted" }, candidate.left.sources.map((s) => `${s.system} ${s.key}`).join(", "))),
      h("section", { class: "card", "aria-label": "Right partner" }, h("h2", {}, "Right: ", partnerLink(candidate.right)),
        h("p", { class: "muted" }, candidate.right.sources.map((s) => `${s.system} ${s.key}`).join(", ")))),
    buttons,
    comparison(candidate, preview),
    h("h2", {}, "Graph evidence"),
    graphEvidence(candidate),
    h("h2", {}, "Every compared feature"),
    h("ul", { class: "plain" }, candidate.features.map((f) =>
      h("li", {}, badge(evidence(f)), " ", featureText(f), f.left !== null ? ` — ${f.left} / ${f.right}` : ""))),
  );
  keys = (event) => {
    const map = { m: "merge", n: "reject", s: "skip" };
    if (map[event.key]) {
      event.preventDefault();
      decide(map[event.key]);
    }
  };
}

// Shortcuts of the screen shown, ignored while typing.
let keys = null;
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest && event.target.closest("input, textarea, select");
  if (!keys || typing || event.ctrlKey || event.metaKey || event.altKey) return;
  keys(event);
});

// ---- one partner -----------------------------------------------------------------------------

const PARTNER = `
query Partner($id: ID!) {
  businessPartner(id: $id) {
    id name kind version createdAt updatedAt mergedFrom
    mergedInto { id name }
    lineage { attribute value overridden source { system key receivedAt }
              others { source { system key } value } }
    sources { system key receivedAt deletedAt }
    relationships { type direction partner { id name } validFrom validTo }
    vehicles(first: 50) { totalCount edges { node { vin make model modelYear } } }
    contracts(first: 50) { totalCount edges { node { number type status endDate } } }
    identificationObjects(first: 50) { totalCount edges { node { kind number status } } }
    documents(first: 50) { totalCount edges { node { number revision title } } }
    changeHistory(first: 100) { edges { node { at action process reason
      actor { client system onBehalfOf } source { system key }
      changes { field } } } }
  }
}`;

const UNMERGE = `
mutation Unmerge($source: SourceRefInput!, $reason: String) {
  unmergeBusinessPartner(source: $source, reason: $reason) {
    businessPartner { id name }
    userErrors { field code message }
  }
}`;

function listing(label, connection, text) {
  const items = connection.edges.map((e) => h("li", {}, text(e.node)));
  return h("section", { "aria-label": label },
    h("h2", {}, `${label} (${connection.totalCount})`),
    items.length ? h("ul", { class: "plain" }, items) : h("p", { class: "muted" }, "None."));
}

async function partnerView(id) {
  const data = await gql(PARTNER, { id });
  const p = data.businessPartner;
  if (!p) {
    show(h("h1", {}, "Partner"), h("p", {}, "No such partner."));
    return;
  }
  const reason = h("input", { name: "reason", placeholder: "for the audit trail" });
  const unmerge = async (source) => {
    try {
      const result = await gql(UNMERGE, { source: { system: source.system, key: source.key }, reason: reason.value || null });
      const payload = result.unmergeBusinessPartner;
      if (payload.userErrors.length) return say(problems(payload.userErrors), "error");
      say(`${source.system} ${source.key} is a partner of its own again: ${payload.businessPartner.name}.`, "done");
      await render();
    } catch (error) {
      failed(error);
    }
  };
  const several = p.sources.filter((s) => !s.deletedAt).length > 1;
  const lineage = p.lineage.map((l) =>
    h("tr", {},
      h("th", { scope: "row" }, l.attribute),
      h("td", {}, h("pre", {}, l.value ?? "—")),
      h("td", {}, l.overridden ? badge("near", "steward override") : l.source ? `${l.source.system} ${l.source.key}` : "several sources"),
      h("td", {}, l.source ? moment(l.source.receivedAt) : ""),
      h("td", {}, l.others.length ? h("ul", { class: "plain" }, l.others.map((o) => h("li", {}, `${o.source.system}: `, h("code", {}, o.value ?? "—")))) : h("span", { class: "muted" }, "—"))));
  const sources = p.sources.map((s) =>
    h("tr", {},
      h("td", {}, s.system), h("td", {}, s.key), h("td", { class: "num" }, moment(s.receivedAt)),
      h("td", {}, s.deletedAt ? `deleted ${day(s.deletedAt)}` : ""),
      h("td", {}, several ? h("button", { type: "button", onclick: () => unmerge(s), "aria-label": `Un-merge ${s.system} ${s.key}` }, "Un-merge") : "")));
  const history = p.changeHistory.edges.map(({ node: e }) =>
    h("tr", {},
      h("td", { class: "num" }, moment(e.at)), h("td", {}, humane(e.action)), h("td", {}, e.process || ""),
      h("td", {}, [e.actor.client, e.actor.onBehalfOf && `for ${e.actor.onBehalfOf}`].filter(Boolean).join(" ")),
      h("td", {}, e.source ? `${e.source.system} ${e.source.key}` : ""),
      h("td", {}, e.changes.map((c) => c.field).join(", ")), h("td", {}, e.reason || "")));
  show(
    h("h1", {}, p.name, " ", h("span", { class: "muted" }, humane(p.kind))),
    p.mergedInto ? h("p", {}, "Merged into ", partnerLink(p.mergedInto)) : "",
    // An id of a partner merged away leads here: say so, or the page seems another's.
    p.id !== id ? h("p", { class: "note", role: "note" }, "The partner you followed was merged into this one; its history is below.") : "",
    h("p", { class: "muted" }, `version ${p.version} · created ${moment(p.createdAt)} · updated ${moment(p.updatedAt)}`),
    table("Lineage", ["Attribute", "Value", "From", "Received", "What the others say"], lineage),
    h("div", { class: "actions" }, h("label", {}, "Reason for an un-merge ", reason)),
    table("Sources", ["System", "Key", "Received", "Deleted", "Actions"], sources),
    h("section", { "aria-label": "Relationships" }, h("h2", {}, "Relationships"),
      p.relationships.length
        ? h("ul", { class: "plain" }, p.relationships.map((r) => h("li", {}, humane(r.type), r.direction === "INCOMING" ? " (of this partner): " : ": ", partnerLink(r.partner))))
        : h("p", { class: "muted" }, "None.")),
    listing("Vehicles", p.vehicles, (v) => `${v.vin} ${v.make || ""} ${v.model || ""} ${v.modelYear || ""}`),
    listing("Contracts", p.contracts, (c) => `${c.number} ${humane(c.type)} ${humane(c.status)} until ${c.endDate || "—"}`),
    listing("Cards and plates", p.identificationObjects, (i) => `${humane(i.kind)} ${i.number} ${humane(i.status)}`),
    listing("Documents", p.documents, (d) => `${d.number} rev. ${d.revision} ${d.title || ""}`),
    h("h2", {}, "History"),
    table("History", ["When", "Action", "Process", "By", "Source", "Fields", "Reason"], history),
  );
}

// ---- search ----------------------------------------------------------------------------------

const SEARCH = `
query Search($text: String!) {
  search(text: $text, first: 20) {
    businessPartners { id name kind sources { system key } }
    vehicles { vin make model owners: owner { id name } }
    contracts { number status parties { role partner { id name } } }
    identificationObjects { kind number status holder { id name } }
    documents { number revision title }
  }
}`;

async function searchView(params) {
  const text = params.get("q") || "";
  document.getElementById("search-box").value = text;
  if (!text.trim()) {
    show(h("h1", {}, "Search"), h("p", {}, "Type a name, a source key, a VIN, a card or plate number or a document number."));
    return;
  }
  const found = (await gql(SEARCH, { text })).search;
  const section = (label, items, line) =>
    h("section", { "aria-label": label }, h("h2", {}, `${label} (${items.length})`),
      items.length ? h("ul", { class: "plain" }, items.map((x) => h("li", {}, line(x)))) : h("p", { class: "muted" }, "None."));
  const owner = (p) => (p ? [" · ", partnerLink(p)] : "");
  show(
    h("h1", {}, `Search: ${text}`),
    section("Partners", found.businessPartners, (p) => [partnerLink(p), " ", h("span", { class: "muted" }, `${humane(p.kind)} · ${p.sources.map((s) => `${s.system} ${s.key}`).join(", ")}`)]),
    section("Vehicles", found.vehicles, (v) => [`${v.vin} ${v.make || ""} ${v.model || ""}`, owner(v.owners)]),
    section("Contracts", found.contracts, (c) => [`${c.number} ${humane(c.status)}`, ...c.parties.map((x) => [" · ", humane(x.role), " ", partnerLink(x.partner)])]),
    section("Cards and plates", found.identificationObjects, (i) => [`${humane(i.kind)} ${i.number} ${humane(i.status)}`, owner(i.holder)]),
    section("Documents", found.documents, (d) => `${d.number} rev. ${d.revision} ${d.title || ""}`),
  );
}

// ---- rejected rows ---------------------------------------------------------------------------

const ROWS = `
query Rows($where: RejectedRowWhere, $after: String) {
  rejectedRows(where: $where, first: ${PAGE_SIZE}, after: $after) {
    totalCount
    edges { node { id kind system file line raw row status reason decidedBy recordId
                   errors { field code message } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const RESUBMIT = `
mutation Resubmit($id: ID!, $row: JSON!) {
  resubmitRejectedRow(id: $id, row: $row) {
    rejectedRow { id status }
    userErrors { field code message }
  }
}`;

const DISMISS = `
mutation Dismiss($id: ID!, $reason: String!) {
  dismissRejectedRow(id: $id, reason: $reason) {
    rejectedRow { id status }
    userErrors { field code message }
  }
}`;

function rowEditor(row, after) {
  const text = h("textarea", { "aria-label": "Corrected row", spellcheck: "false" },
    JSON.stringify(row.row ?? {}, null, 2));
  const reason = h("input", { "aria-label": "Reason", placeholder: "Why dismiss (required)" });
  const act = async (mutation, variables, field) => {
    try {
      const payload = (await gql(mutation, variables))[field];
      if (payload.userErrors.length) return say(problems(payload.userErrors), "error");
      say(`Row ${row.line} of ${row.file}: ${humane(payload.rejectedRow.status)}.`, "done");
      await after();
    } catch (error) {
      failed(error);
    }
  };
  const resubmit = () => {
    let parsed;
    try {
      parsed = JSON.parse(text.value);
    } catch (error) {
      say(`The corrected row is not JSON: ${error.message}`, "error");
      text.focus();
      return;
    }
    act(RESUBMIT, { id: row.id, row: parsed }, "resubmitRejectedRow");
  };
  const dismiss = () => {
    if (!reason.value.trim()) {
      say("Say why the row is dismissed.", "error");
      reason.focus();
      return;
    }
    act(DISMISS, { id: row.id, reason: reason.value }, "dismissRejectedRow");
  };
  return h("div", { class: "editor" },
    h("p", { class: "muted" }, "As in the file: ", h("code", {}, row.raw)),
    text,
    h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", onclick: resubmit }, "Submit again"),
      reason,
      h("button", { type: "button", class: "danger", onclick: dismiss }, "Dismiss")));
}

async function rejectsView(params) {
  const status = params.get("status") || "OPEN";
  const where = { status: status === "ANY" ? null : status };
  const data = await gql(ROWS, { where, after: params.get("after") || null });
  const found = data.rejectedRows;
  const rows = [];
  for (const { node } of found.edges) {
    const editorRow = h("tr", { hidden: true }, h("td", { colspan: 7 }));
    const toggle = () => {
      if (!editorRow.hidden) {
        editorRow.hidden = true;
        return;
      }
      editorRow.firstChild.replaceChildren(rowEditor(node, () => rejectsView(params)));
      editorRow.hidden = false;
      editorRow.querySelector("textarea").focus();
    };
    rows.push(
      h("tr", {},
        h("td", {}, node.file.split("/").pop(), h("div", { class: "muted" }, node.system)),
        h("td", { class: "num" }, node.line),
        h("td", {}, node.kind),
        h("td", {}, h("ul", { class: "plain" }, node.errors.map((e) => h("li", {}, badge("disagree", e.code), " ", e.field.join("."), ": ", e.message)))),
        h("td", {}, h("pre", {}, node.row ? JSON.stringify(node.row) : node.raw)),
        h("td", {}, humane(node.status), node.reason ? h("div", { class: "muted" }, node.reason) : ""),
        h("td", {}, node.status === "OPEN" ? h("button", { type: "button", onclick: toggle, "aria-label": `Correct row ${node.line} of ${node.file.split("/").pop()}` }, "Correct") : "")),
      editorRow,
    );
  }
  const select = h("select", { "aria-label": "Status", onchange: (e) => go("rejects", { status: e.target.value }) },
    [["OPEN", "Open"], ["RESUBMITTED", "Resubmitted"], ["DISMISSED", "Dismissed"], ["ANY", "Any"]].map(([v, t]) =>
      h("option", { value: v, selected: v === status }, t)));
  show(
    h("h1", {}, "Rejected rows"),
    h("p", {}, "Rows ", h("code", {}, "hub load"), " could not take. Correct a row and submit it again, or dismiss it with a reason."),
    h("div", { class: "filters" }, h("label", {}, "Status", select)),
    h("p", { class: "count" }, `${found.totalCount} row${found.totalCount === 1 ? "" : "s"}`),
    table("Rejected rows", ["File", "Line", "Kind", "Problems", "Row", "Status", "Actions"], rows),
    h("div", { class: "pager" },
      h("button", { type: "button", disabled: !found.pageInfo.hasNextPage, onclick: () => go("rejects", { status, after: found.pageInfo.endCursor }) }, "Next page")),
  );
}

// ---- overview --------------------------------------------------------------------------------

const OVERVIEW = `
query Overview {
  stewardshipOverview(days: 30) {
    openNow
    days { day openAtEnd proposed merged unmerged notAMatch rowsRejected }
    scores { status counts }
  }
}`;

const COLOURS = { a: "#1f5fbf", b: "#1c7c3c", c: "#b3261e", d: "#8a5a00", e: "#6b3fa0" };

// Bars per category, one group per label; an SVG drawn here, and its numbers in a table.
function barChart(title, labels, series, axis = "Day") {
  const width = 560;
  const height = 180;
  const pad = { left: 34, bottom: 22, top: 8 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const group = (width - pad.left) / labels.length;
  const bar = Math.max(1, (group - 2) / series.length);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  const add = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
  };
  const plot = height - pad.bottom - pad.top;
  add("line", { x1: pad.left, y1: height - pad.bottom, x2: width, y2: height - pad.bottom, stroke: "#aab3c2" });
  add("text", { x: 2, y: pad.top + 8 }, String(max));
  add("text", { x: 2, y: height - pad.bottom }, "0");
  labels.forEach((label, i) => {
    series.forEach((s, j) => {
      const value = s.values[i];
      const h2 = (value / max) * plot;
      add("rect", {
        x: pad.left + i * group + 1 + j * bar, y: height - pad.bottom - h2,
        width: bar, height: h2, fill: s.colour,
      });
    });
    const every = Math.ceil(labels.length / 8);
    if (i % every === 0) add("text", { x: pad.left + i * group, y: height - 6 }, label);
  });
  const legend = h("div", { class: "legend" }, series.map((s) => h("span", { "data-colour": s.colour }, s.name)));
  legend.querySelectorAll("span").forEach((span) => span.style.setProperty("--swatch", span.dataset.colour));
  const data = h("details", { class: "data" }, h("summary", {}, "Numbers"),
    table(title, [axis, ...series.map((s) => s.name)], labels.map((label, i) =>
      h("tr", {}, h("th", { scope: "row" }, label), series.map((s) => h("td", { class: "num" }, s.values[i]))))));
  return h("figure", { class: "card" }, h("figcaption", {}, title), svg, legend, data);
}

async function overviewView() {
  const o = (await gql(OVERVIEW)).stewardshipOverview;
  const days = o.days.map((d) => d.day.slice(5));
  const pick = (name) => o.days.map((d) => d[name]);
  const bands = Array.from({ length: 20 }, (_, i) => (i / 20).toFixed(2));
  const byStatus = Object.fromEntries(o.scores.map((s) => [s.status, s.counts]));
  const zero = bands.map(() => 0);
  const from = 10; // scores below 0.5 are never proposed
  show(
    h("h1", {}, "Overview"),
    h("p", {}, `${o.openNow} candidate${o.openNow === 1 ? "" : "s"} open now.`),
    h("div", { class: "charts" },
      barChart("Queue size at the end of each day", days, [{ name: "open", colour: COLOURS.a, values: pick("openAtEnd") }]),
      barChart("Decisions per day", days, [
        { name: "merged", colour: COLOURS.b, values: pick("merged") },
        { name: "not a match", colour: COLOURS.c, values: pick("notAMatch") },
        { name: "un-merged", colour: COLOURS.d, values: pick("unmerged") },
      ]),
      barChart("Proposals and rejected rows per day", days, [
        { name: "proposed", colour: COLOURS.a, values: pick("proposed") },
        { name: "rows rejected", colour: COLOURS.e, values: pick("rowsRejected") },
      ]),
      barChart("Scores per outcome", bands.slice(from), ["OPEN", "MERGED", "REJECTED"].map((status, i) => ({
        name: humane(status), colour: [COLOURS.a, COLOURS.b, COLOURS.c][i],
        values: (byStatus[status] || zero).slice(from),
      })), "Score")),
  );
}

// ---- the frame -------------------------------------------------------------------------------

const VIEWS = {
  queue: (r) => queueView(r.params),
  candidate: (r) => candidateView(decodeURIComponent(r.arg)),
  partner: (r) => partnerView(decodeURIComponent(r.arg)),
  search: (r) => searchView(r.params),
  rejects: (r) => rejectsView(r.params),
  overview: () => overviewView(),
};

async function render() {
  const current = route();
  const drawing = ++screen;
  keys = null;
  // Busy until the new screen is drawn: the one still shown belongs to the previous address,
  // and takes no clicks meanwhile.
  view().setAttribute("aria-busy", "true");
  view().inert = true;
  for (const link of document.querySelectorAll("nav a[data-route]")) {
    if (link.dataset.route === current.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const draw = VIEWS[current.name] || VIEWS.queue;
  try {
    await draw(current);
    if (drawing !== screen) return;
    document.title = `${view().querySelector("h1")?.textContent || "Console"} · Stewards' console`;
  } catch (error) {
    if (error instanceof Stale || drawing !== screen) return;
    show(h("h1", {}, "Something went wrong"), h("p", {}, explain(error)));
  }
  view().removeAttribute("aria-busy");
  view().inert = false;
}

function setUp() {
  document.getElementById("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    go("search", { q: document.getElementById("search-box").value });
  });
  const identity = document.getElementById("identity-form");
  identity.token.value = sessionStorage.getItem("hub.token") || "";
  identity.user.value = localStorage.getItem("hub.user") || "";
  identity.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = identity.token.value.trim();
    if (token) sessionStorage.setItem("hub.token", token);
    else sessionStorage.removeItem("hub.token");
    const user = identity.user.value.trim();
    if (user) localStorage.setItem("hub.user", user);
    else localStorage.removeItem("hub.user");
    document.getElementById("identity").open = false;
    say(token ? "Signed in with your token." : "Acting as the local developer.", "done");
    render();
  });
  window.addEventListener("hashchange", () => {
    if (!keepStatus) say("");
    keepStatus = false;
    render();
  });
  render();
}

setUp();
