"use strict";
// The `loupe review` page: a grid of a queue's examples, a detail view where verdicts are given by
// keyboard, and an agreement view. The view state lives in location.hash so reload and back work.

const VERDICTS = [
  { word: "correct", title: "Label correct", keys: ["1", "c"] },
  { word: "mislabelled", title: "Mislabelled…", keys: ["2", "m"] },
  { word: "ambiguous", title: "Ambiguous", keys: ["3", "a"] },
  { word: "atypical", title: "Atypical / rare", keys: ["4", "r"] },
  { word: "corrupted", title: "Corrupted / out of distribution", keys: ["5", "o"] },
];
const KEYS = [
  ["1–5 or c m a r o", "verdict (see buttons); m asks for the suggested class"],
  ["n", "write a note (sent with the next verdict); Esc leaves the note"],
  ["j / →, k / ←", "next / previous item"],
  ["u or Ctrl+Z", "undo your last verdict (goes back to that item)"],
  ["Esc", "back to the grid"],
];
const LIST_KEYS = ["queue", "sort", "order", "class", "state", "reviewer"];
const PAGE = 100;

const $ = (selector) => document.querySelector(selector);
const main = $("#view");
let session = null;
let reviewer = localStorage.getItem("loupe.reviewer") || "";
let current = null; // the detail view: { s, item, i }
let undoStack = []; // { id, i } of the verdicts this tab recorded, newest last
let busy = false;
let renders = 0;
let focusCard = null; // the id whose card gets focus when the grid is next drawn

// ---- small helpers ----

// Text as the page shows it: a bidirectional override, isolate or mark (U+202A-U+202E,
// U+2066-U+2069, U+200E, U+200F, U+061C) in a class name, path or note becomes the visible
// text \u{202e}, as on Loupe's HTML reports and log lines; kept, it could reorder what the
// reviewer reads around it. The API's JSON keeps the names exactly.
// shown:begin
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
const shown = (text) => String(text).replace(BIDI_CONTROLS, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
// shown:end
// The attributes a reader sees (the others, such as a value or a URL, are kept as they are).
const SHOWN_ATTRIBUTES = new Set(["alt", "title", "aria-label", "placeholder"]);

// names:begin
function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : SHOWN_ATTRIBUTES.has(k) ? shown(v) : v);
  }
  el.append(...kids.flat(Infinity).filter((k) => k != null && k !== false).map((k) => (k instanceof Node ? k : shown(k))));
  return el;
}
// A name a user chose (a class, path, variant, queue, reviewer, note) set beside other text goes in
// its own <bdi>, as on Loupe's HTML reports: a right-to-left name (Hebrew, Arabic) then cannot
// reorder the numbers and words next to it ("#3 name · 0.52"). Numbers and the page's own words
// are not isolated.
const isolated = (name) => h("bdi", {}, name);
// The same in an <option>, which holds text only: the name between U+2068 FIRST STRONG ISOLATE and
// U+2069 POP DIRECTIONAL ISOLATE, the plain-text form of <bdi>, in a Text node so that h() keeps
// the two instead of showing them as escapes (any in the name itself still are).
const isolatedText = (before, name, after = "") => document.createTextNode(`${shown(before)}\u2068${shown(name)}\u2069${shown(after)}`);
// "3 cat" for named classes, the name isolated; just "3" when the class's name is its number
// (IDX, NPY data). classText gives the plain text, for a status line.
const className = (k) => {
  if (k == null) return "–";
  const name = session.dataset.classes[k] ?? "?";
  return name === String(k) ? name : [`${k} `, isolated(name)];
};
const classText = (k) => {
  if (k == null) return "–";
  const name = session.dataset.classes[k] ?? "?";
  return name === String(k) ? name : `${k} ${name}`;
};
// names:end
const table = (head, rows) =>
  h("table", {}, h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))), h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
const num = (x) => (x == null || Number.isNaN(x) ? "–" : typeof x !== "number" || Number.isInteger(x) ? String(x) : x.toPrecision(3));
const verdictTitle = (w) => VERDICTS.find((v) => v.word === w)?.title.replace("…", "") ?? w;
const readHash = () => Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
const hashFor = (s) => "#" + new URLSearchParams(Object.entries(s).filter(([, v]) => v != null && v !== "")).toString();
const listState = (s) => Object.fromEntries(LIST_KEYS.map((k) => [k, s[k]]));
function listQuery(s, offset, limit) {
  const q = new URLSearchParams(Object.entries(listState(s)).filter(([, v]) => v != null && v !== ""));
  q.set("offset", offset);
  q.set("limit", limit);
  return "/api/items?" + q;
}
function go(s) {
  const target = hashFor(s);
  current = null; // no verdict keys until the next view is drawn
  if (location.hash === target) render();
  else location.hash = target;
}

function showError(message) {
  $("#error-text").textContent = shown(message);
  $("#error").hidden = false;
}
function say(message) {
  $("#status").textContent = shown(message);
}

async function api(path, body) {
  const init = { credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) Object.assign(init, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new Error(`${path}: no answer from the server (${e.message}); is loupe review still running?`);
  }
  let json = null;
  try {
    json = await res.json();
  } catch {}
  if (res.status === 401) throw Object.assign(new Error("Not authorised: open the URL that loupe review printed (the one ending in ?token=…)."), { status: 401 });
  if (!res.ok || json == null) throw Object.assign(new Error(json?.error ?? `${path}: HTTP ${res.status}`), { status: res.status });
  return json;
}

// ---- rendering ----

async function render() {
  const ticket = ++renders;
  const s = readHash();
  $("#error").hidden = true;
  if (s.v !== "item") say("");
  document.body.dataset.busy = "1";
  try {
    if (!session) {
      session = await api("/api/session");
      const d = session.dataset;
      $("#dataset").replaceChildren(isolated(d.name), `: ${d.count} examples, ${d.classes.length} classes`);
    }
    const { nodes, ctx } = s.v === "agreement" ? await agreementView() : s.v === "item" ? await itemView(s) : await gridView(s);
    if (ticket !== renders) return;
    current = ctx ?? null;
    main.replaceChildren(...nodes);
    main.dataset.view = s.v || "grid";
    document.querySelectorAll("header nav a").forEach((a) => a.removeAttribute("aria-current"));
    $(s.v === "agreement" ? "#nav-agreement" : "#nav-grid").setAttribute("aria-current", "page");
    const card = focusCard != null && main.querySelector(`a.card[data-id="${focusCard}"]`);
    focusCard = null;
    if (card) card.focus();
    else main.focus({ preventScroll: true }), window.scrollTo(0, 0);
  } catch (e) {
    if (ticket !== renders) return;
    if (e.status === 401) main.replaceChildren(h("p", { class: "big" }, e.message));
    showError(e.message);
  } finally {
    if (ticket === renders) delete document.body.dataset.busy;
  }
}

function select(label, key, value, options, onchange) {
  const id = "f-" + key;
  const sel = h("select", { id, onchange: (e) => onchange(e.target.value) }, options.map(([v, text]) => h("option", { value: v }, text)));
  sel.value = value ?? "";
  return h("label", { for: id }, label, " ", sel);
}

async function gridView(s) {
  const { queues } = await api("/api/queues");
  const q = queues.find((q) => q.name === s.queue) ?? queues[0];
  if (!q) return { nodes: [h("p", {}, "This folder has no queues.")] };
  s = { ...s, v: "grid", queue: q.name, sort: s.sort || q.sort, order: s.order || (q.descending ? "desc" : "asc") };
  const page = Math.max(0, parseInt(s.page, 10) || 0);
  const res = await api(listQuery(s, page * PAGE, PAGE));
  $("#nav-grid").href = hashFor(s);
  const set = (key) => (value) => go({ ...s, [key]: value, page: 0 });
  const reviewers = [...new Set([...session.reviewers, reviewer].filter(Boolean))];
  const states = ["unreviewed", "reviewed", "disagreement", ...VERDICTS.map((v) => v.word)];
  const filters = h(
    "form",
    { class: "filters", onsubmit: (e) => e.preventDefault() },
    select("Queue", "queue", q.name, queues.map((x) => [x.name, isolatedText("", x.title, ` (${x.total})`)]), (v) => go({ v: "grid", queue: v, class: s.class, state: s.state, reviewer: s.reviewer })),
    select("Class", "class", s.class, [["", "all"], ...session.dataset.classes.map((c, k) => [k, c === String(k) ? c : isolatedText(`${k} `, c)])], set("class")),
    select("State", "state", s.state, [["", "any"], ...states.map((w) => [w, verdictTitle(w)])], set("state")),
    select("Reviewer", "reviewer", s.reviewer, [["", "anyone"], ...reviewers.map((r) => [r, r])], set("reviewer")),
    select("Sort by", "sort", s.sort, q.scores.map((x) => [x, x]), set("sort")),
    select("Order", "order", s.order, [["desc", "highest first"], ["asc", "lowest first"]], set("order"))
  );
  const pages = Math.max(1, Math.ceil(res.total / PAGE));
  const pager = (where) =>
    h(
      "nav",
      { class: "pager", "aria-label": `Pages (${where})` },
      h("button", { type: "button", disabled: page === 0, onclick: () => go({ ...s, page: page - 1 }) }, "← Previous page"),
      h("span", { class: "total" }, res.total === 0 ? "No items match." : `Items ${page * PAGE + 1}–${page * PAGE + res.items.length} of ${res.total} · page ${page + 1} of ${pages}`),
      h("button", { type: "button", disabled: page + 1 >= pages, onclick: () => go({ ...s, page: page + 1 }) }, "Next page →")
    );
  const others = q.scores.filter((x) => x !== s.sort).slice(0, 2);
  const cards = res.items.map((it, k) =>
    h(
      "a",
      { class: "card", href: hashFor({ ...listState(s), v: "item", id: it.id, i: page * PAGE + k }), "data-id": it.id },
      h("img", { src: `/api/items/${it.id}/image.png?size=64`, alt: `Example ${it.id}, labelled ${it.label_name}`, loading: "lazy" }),
      h("span", { class: "title" }, `#${it.id} `, h("strong", {}, isolated(it.label_name))),
      h("span", { class: "score" }, [s.sort, ...others].filter((x) => x in it.scores).map((x) => `${x} ${num(it.scores[x])}`).join(" · ")),
      Object.keys(it.modal_labels).length > 0 &&
        h("span", { class: "modal" }, Object.entries(it.modal_labels).map(([p, k]) => h("span", { class: k === it.label ? "" : "differs" }, isolated(p), ": ", session.dataset.classes[k] != null ? isolated(session.dataset.classes[k]) : String(k), " "))),
      h("span", { class: "verdicts" }, Object.values(it.verdicts).map((r) => h("span", { class: `badge ${r.verdict}`, title: r.note || null }, isolated(r.reviewer), `: ${r.verdict}`)))
    )
  );
  return { nodes: [filters, pager("top"), h("div", { class: "grid" }, cards), pager("bottom")] };
}

async function itemView(s) {
  const id = parseInt(s.id, 10);
  const i = parseInt(s.i, 10);
  const inQueue = s.queue && Number.isFinite(i);
  const [item, ctx] = await Promise.all([api(`/api/items/${id}`), inQueue ? api(listQuery(s, i, 1)) : null]);
  for (const k of ["queues", "populations", "heatmaps", "neighbours", "history"]) item[k] = item[k] ?? [];
  for (const k of ["scores", "modal_labels", "verdicts", "difficulty"]) item[k] = item[k] ?? {};
  const classes = session.dataset.classes;
  const back = { ...listState(s), v: "grid", page: inQueue ? Math.floor(i / PAGE) : 0 };
  const bar = h(
    "nav",
    { class: "itembar", "aria-label": "Item" },
    h("a", { href: hashFor(back), onclick: () => (focusCard = id) }, "← Grid (Esc)"),
    h("button", { type: "button", onclick: () => move(-1), disabled: !inQueue || i === 0 }, "← Previous (k)"),
    h("span", {}, inQueue ? [`Item ${i + 1} of ${ctx.total} in `, isolated(s.queue)] : "Not in a queue"),
    h("button", { type: "button", onclick: () => move(+1), disabled: !inQueue }, "Next (j) →")
  );
  const media = h(
    "section",
    { class: "media" },
    h("img", { class: "large", src: `/api/items/${id}/image.png?size=256`, alt: `Example ${id}, labelled ${item.label_name}` }),
    item.heatmaps.length > 0 && h("h3", {}, "Attribution"),
    h("div", { class: "thumbs" }, item.heatmaps.map((m) => h("figure", {}, h("img", { src: m.url, alt: `${m.title} heatmap of example ${id}` }), h("figcaption", {}, m.title))))
  );
  const diff = Object.entries(item.difficulty).filter(([k]) => !k.endsWith("_rank"));
  const info = h(
    "section",
    { class: "info" },
    h("p", {}, "Queues: ", item.queues.length > 0 ? item.queues.map((q, k) => [k > 0 && ", ", isolated(q)]) : "none"),
    Object.keys(item.scores).length > 0 && [h("h3", {}, "Scores"), table(["score", "value"], Object.entries(item.scores).map(([k, v]) => [k, num(v)]))],
    item.populations.length > 0 && [
      h("h3", {}, "Populations"),
      table(
        ["variant", "CIE", "taxicab", "dense modal", "compressed modal", "dense acc.", "compressed acc."],
        item.populations.map((p) => [h("span", { title: p.folder }, p.variant), p.is_cie ? "yes" : "no", num(p.taxicab_score), className(p.dense_modal_label), className(p.compressed_modal_label), num(p.dense_accuracy), num(p.compressed_accuracy)])
      ),
    ],
    diff.length > 0 && [h("h3", {}, "Difficulty"), table(["score", "value", "rank"], diff.map(([k, v]) => [k, num(v), num(item.difficulty[k + "_rank"])]))],
    item.neighbours.length > 0 && [
      h("h3", {}, "Nearest training examples (pixel distance)"),
      h("div", { class: "thumbs" }, item.neighbours.map((n) => h("figure", {}, n.url && h("img", { src: n.url, alt: `Training example ${n.id}, labelled ${n.label_name}` }), h("figcaption", {}, `#${n.id} `, isolated(n.label_name), ` · ${num(n.distance)}`)))),
    ]
  );
  const picker = h(
    "div",
    { id: "picker", hidden: true },
    h("label", { for: "picker-input" }, classes.length <= 10 ? "Suggested class: press its digit, or type a name and Enter (Enter alone: no suggestion; Esc: cancel)" : "Suggested class: type its number or name and Enter (Enter alone: no suggestion; Esc: cancel)"),
    h("input", { id: "picker-input", autocomplete: "off", oninput: pickerInput, onkeydown: pickerKey }),
    h("div", { class: "classes" }, classes.map((c, k) => h("button", { type: "button", "data-k": k, disabled: k === item.label, onclick: () => submit("mislabelled", k) }, `${k} `, isolated(c))))
  );
  const mine = item.verdicts[reviewer];
  const panel = h(
    "section",
    { class: "panel", "aria-label": "Verdict" },
    h("h3", {}, "Your verdict", mine ? `: ${verdictTitle(mine.verdict)}` : ""),
    h("div", { class: "buttons" }, VERDICTS.map((v) => h("button", { type: "button", "aria-pressed": String(mine?.verdict === v.word), onclick: () => choose(v.word) }, h("kbd", {}, v.keys[0]), " ", v.title, " ", h("kbd", {}, v.keys[1])))),
    picker,
    h("label", { for: "note" }, "Note (n)"),
    h("textarea", { id: "note", rows: 2, maxlength: 10000 }),
    h("dl", { class: "keys" }, KEYS.map(([k, d]) => [h("dt", {}, k), h("dd", {}, d)])),
    h("h3", {}, "Current verdicts"),
    Object.keys(item.verdicts).length === 0
      ? h("p", {}, "None yet.")
      : table(["reviewer", "verdict", "suggested", "note"], Object.values(item.verdicts).map((r) => [r.reviewer, verdictTitle(r.verdict), className(r.suggested_label), r.note])),
    h("h3", {}, "History"),
    item.history.length === 0
      ? h("p", {}, "No records.")
      : h("ol", { class: "history" }, item.history.map((r) => h("li", { title: r.recorded_at }, `${r.recorded_at.slice(0, 16).replace("T", " ")} `, isolated(r.reviewer), ": ", r.verdict == null ? `undo of #${r.undoes}` : verdictTitle(r.verdict), r.suggested_label != null && [" → ", className(r.suggested_label)], r.note && [" “", isolated(r.note), "”"], r.queue && [" (", isolated(r.queue), ")"], ` #${r.sequence}`)))
  );
  const title = h("h2", {}, `#${id}: labelled `, className(item.label), item.path && h("span", { class: "path" }, " ", isolated(item.path)));
  return { nodes: [bar, title, h("div", { class: "detail", "data-id": id, "data-label": item.label }, media, info, panel)], ctx: { s, item, i: inQueue ? i : null } };
}

async function agreementView() {
  const a = await api("/api/agreement");
  const { queues } = await api("/api/queues");
  const dq = queues.find((q) => q.kind === "disagreements");
  const nodes = [
    h("h2", {}, "Agreement between reviewers"),
    a.reviewers.length < 2 && h("p", {}, "Agreement needs verdicts from at least two reviewers."),
    h("p", { id: "fleiss" }, a.fleiss ? `Fleiss' kappa over ${a.fleiss.items} examples judged by two or more reviewers: ${num(a.fleiss.kappa)}` : "Fleiss' kappa: not enough overlapping verdicts yet."),
    h("p", {}, `${a.disagreements} examples where the reviewers' current verdicts differ: `, dq ? h("a", { href: hashFor({ v: "grid", queue: dq.name }) }, "review them") : "no queue"),
    h("h3", {}, "Cohen's kappa per pair"),
    a.pairs.length === 0 ? h("p", {}, "No pairs yet.") : table(["reviewer", "reviewer", "examples both judged", "observed agreement", "Cohen's kappa"], a.pairs.map((p) => [p.a, p.b, p.items, num(p.observed), num(p.kappa)])),
    h("h3", {}, "Verdicts per reviewer"),
    table(["reviewer", ...VERDICTS.map((v) => verdictTitle(v.word))], Object.entries(a.counts).map(([r, c]) => [r, ...VERDICTS.map((v) => c[v.word] ?? 0)])),
  ];
  return { nodes: nodes.filter(Boolean) };
}

// ---- actions ----

function askReviewer() {
  const input = $("#who-input");
  input.value = reviewer;
  $("#who").showModal();
}
$("#who").addEventListener("close", () => {
  const name = $("#who-input").value.trim();
  if ($("#who").returnValue !== "ok" || name === "") return;
  if (name.length > 100 || /[\u0000-\u001f\u007f]/.test(name)) return showError("Reviewer name: 1 to 100 characters, no control characters.");
  reviewer = name;
  localStorage.setItem("loupe.reviewer", name);
  $("#who-name").textContent = shown(name);
  if (current) render();
});
$("#who-button").addEventListener("click", askReviewer);
$("#error-close").addEventListener("click", () => ($("#error").hidden = true));

function choose(word) {
  if (word !== "mislabelled") return submit(word, null);
  const picker = $("#picker");
  picker.hidden = false;
  $("#picker-input").value = "";
  $("#picker-input").focus();
}
function closePicker() {
  $("#picker").hidden = true;
  main.focus();
}
function pickerMatches(text) {
  const t = text.trim().toLowerCase();
  return [...document.querySelectorAll("#picker .classes button")].filter((b) => {
    const show = b.textContent.toLowerCase().includes(t);
    b.hidden = !show;
    return show && !b.disabled;
  });
}
function pickerInput(e) {
  const v = e.target.value;
  pickerMatches(v);
  if (session.dataset.classes.length <= 10 && /^[0-9]$/.test(v)) pick(Number(v));
}
function pickerKey(e) {
  if (e.key !== "Enter") return;
  e.preventDefault();
  const v = e.target.value.trim();
  if (v === "") return submit("mislabelled", null);
  if (/^[0-9]+$/.test(v)) return pick(Number(v));
  const matches = pickerMatches(v);
  if (matches.length === 0) return say(`No class matches “${v}”.`);
  pick(Number(matches[0].dataset.k));
}
function pick(k) {
  if (k >= session.dataset.classes.length) return say(`There is no class ${k}.`);
  if (k === current?.item.label) return say(`Class ${k} is the current label; pick a different class.`);
  submit("mislabelled", k);
}

async function submit(verdict, suggested) {
  if (busy || !current) return;
  if (!reviewer) return askReviewer();
  busy = true;
  const { item, i } = current;
  const body = { id: item.id, verdict, suggested_label: suggested, note: $("#note").value, reviewer, queue: current.s.queue || null };
  try {
    await api("/api/verdicts", body);
    undoStack.push({ id: item.id, i });
    const done = `Recorded ${verdictTitle(verdict)}${suggested != null ? ` (→ ${classText(suggested)})` : ""} for #${item.id}.`;
    const moved = await step(+1);
    say(moved === "moved" ? done : `${done} That was the last item of the queue.`);
    if (moved !== "moved") render();
  } catch (e) {
    showError(e.message);
  } finally {
    busy = false;
  }
}

// Moves to the next or previous item of the queue, across pages. The next item is the first one
// at or after the current position that is not the current item: a filter such as "unreviewed"
// may have dropped the current item from the list after a verdict. Returns "moved" or "end".
async function step(direction) {
  if (!current || current.i == null) return "end";
  const { s, item, i } = current;
  if (direction < 0 && i === 0) return "end";
  const res = await api(listQuery(s, direction > 0 ? i : i - 1, direction > 0 ? 2 : 1));
  const k = direction > 0 ? res.items.findIndex((it) => it.id !== item.id) : 0;
  if (k < 0 || !res.items[k]) return "end";
  go({ ...listState(s), v: "item", id: res.items[k].id, i: direction > 0 ? i + k : i - 1 });
  return "moved";
}
async function move(direction) {
  try {
    if ((await step(direction)) === "end") say(direction > 0 ? "End of the queue." : "This is the first item.");
  } catch (e) {
    showError(e.message);
  }
}

async function undo() {
  if (busy || !reviewer) return;
  const last = undoStack[undoStack.length - 1] ?? (current && { id: current.item.id, i: current.i });
  if (!last) return;
  busy = true;
  try {
    const rec = await api("/api/verdicts/undo", { id: last.id, reviewer });
    say(`Undid your verdict #${rec.undoes} on #${last.id}.`);
  } catch (e) {
    if (e.status !== 404) return showError(e.message);
    say(`Nothing of yours to undo on #${last.id}.`);
  } finally {
    busy = false;
  }
  if (undoStack[undoStack.length - 1] === last) undoStack.pop();
  go({ ...listState(current?.s ?? {}), v: "item", id: last.id, i: last.i });
}

document.addEventListener("keydown", (e) => {
  const t = e.target;
  if (t instanceof Element && t.closest("input, textarea, select, dialog")) {
    if (e.key === "Escape" && (t.id === "note" || t.id === "picker-input")) {
      e.preventDefault();
      t.id === "picker-input" ? closePicker() : main.focus();
    }
    return;
  }
  if (e.altKey || e.metaKey || readHash().v !== "item" || !current) return;
  if (e.ctrlKey) {
    if (e.key === "z") e.preventDefault(), undo();
    return;
  }
  const verdict = VERDICTS.find((v) => v.keys.includes(e.key));
  const actions = { n: () => $("#note").focus(), j: () => move(+1), ArrowRight: () => move(+1), k: () => move(-1), ArrowLeft: () => move(-1), u: undo, Escape: () => $(".itembar a").click() };
  const action = verdict ? () => choose(verdict.word) : actions[e.key];
  if (!action) return;
  e.preventDefault();
  action();
});

window.addEventListener("hashchange", render);
$("#who-name").textContent = shown(reviewer || "(not set)");
if (!reviewer) askReviewer();
render();
