// A live lesson panel: the sliders, numbers, formula, charts and agreement table of one lesson, redrawn in the
// browser from a table that lib computed at every position of the sliders' grids (lib/lessons/grids.py). While a
// slider moves (drag, keys, its number box) nothing goes to the server: each `input` event looks the position up
// in the table and moves only what moves (numbers, markers, bars, the agreement cells).
// A table has one section per slider: the positions where that slider moves over its grid and the others stay at
// their committed values (one section for Sigmoid & BCE's z, K for the softmax logits). The value goes back to
// Python (setStateValue) when the drag ends or the keys pause; the link is updated here first with
// history.replaceState, so the commit adds no history entry, and the chart summaries for screen readers are
// updated then, not at every step. Where the other sections depend on the moved slider (the softmax logits), the
// commit's rerun sends a new table; until it arrives, moving another slider only moves that slider, and a table made
// before the server saw this tab's commit is skipped.
// Every element of the body with data-col shows that column at the position, formatted as Python's
// "{:.{digits}g}"; every element with data-when is shown only where its column is non-zero.

const COMMIT_AFTER_KEYS_MS = 150;
const COMMIT_AFTER_IDLE_MS = 300;
const STALE_FOR_MS = 4000;

function themeColours(node) {
  const css = getComputedStyle(node);
  return {
    text: css.getPropertyValue("--st-text-color").trim() || "#31333f",
    lines: css.getPropertyValue("--st-border-color").trim() || "#d5d5d9",
    font: css.getPropertyValue("--st-font").trim() || "sans-serif",
    background: css.getPropertyValue("--st-background-color").trim() || "#ffffff",
  };
}

function isDark(colour) {
  if (colour.startsWith("#") && colour.length >= 7) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
    return 0.299 * r + 0.587 * g + 0.114 * b < 128;
  }
  const match = colour.match(/\d+(\.\d+)?/g);
  return match ? 0.299 * match[0] + 0.587 * match[1] + 0.114 * match[2] < 128 : false;
}

// --- the skeleton, built once per layout ------------------------------------------------------------------

function buildSkeleton(node, meta) {
  node.replaceChildren();
  const panel = { node, charts: [], rows: [], sliders: [], committed: {}, committedAt: {}, dragging: null };
  const list = element("div", meta.sliders.length > 1 ? "lp-sliders lp-sliders-many" : "lp-sliders", node);
  meta.sliders.forEach((spec, index) => {
    const row = element("div", "lp-slider", list);
    const label = element("label", "lp-slider-label", row, spec.label);
    const range = element("input", "lp-range", row);
    const bounds = { min: spec.min, max: spec.max, step: spec.step };
    Object.assign(range, { type: "range", ...bounds });
    range.id = `${node.dataset.panelId}-range-${index}`;
    label.htmlFor = range.id;
    const box = element("input", "lp-box", row);
    Object.assign(box, { type: "number", ...bounds });
    box.setAttribute("aria-label", `${spec.label}, typed`);
    const slider = { index, range, box };
    panel.sliders.push(slider);
    wireSlider(panel, slider);
  });
  panel.body = element("div", "lp-body", node);
  panel.charts_node = element("div", "lp-charts", node);
  panel.agreement = element("div", "lp-agreement", node);
  panel.after = element("div", "lp-after", node);
  return panel;
}

function wireSlider(panel, slider) {
  const { range, box, index } = slider;
  const schedule = (delay) => {
    clearTimeout(slider.timer);
    slider.timer = setTimeout(() => commit(panel, index), delay);
  };
  range.addEventListener("pointerdown", () => {
    panel.dragging = index;
    clearTimeout(slider.timer);
  });
  const release = () => {
    if (panel.dragging === index) {
      panel.dragging = null;
      schedule(COMMIT_AFTER_KEYS_MS);
    }
  };
  range.addEventListener("pointerup", release);
  range.addEventListener("pointercancel", release);
  range.addEventListener("input", () => {
    moveTo(panel, index, Number(range.value));
    if (panel.dragging !== index) schedule(COMMIT_AFTER_IDLE_MS);
  });
  range.addEventListener("change", () => {
    if (panel.dragging !== index) schedule(COMMIT_AFTER_KEYS_MS);
  });
  const typedIn = () => {
    const typed = Number(box.value);
    if (box.value === "" || !Number.isFinite(typed)) {
      box.value = formatG(Number(range.value));
      return;
    }
    moveTo(panel, index, typed, true);
    schedule(0);
  };
  box.addEventListener("change", typedIn);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") typedIn();
  });
}

// --- one table ----------------------------------------------------------------------------------------------

function load(panel, meta, columns, header) {
  const same = panel.header === header;
  const chosen = panel.dragging ?? (panel.active < meta.sliders.length ? panel.active : 0);
  // A slider that moved since its last commit (a drag, or keys whose commit is still pending) stays where it is: the
  // new table holds its section too, and the commit follows. So does the slider where the table is the same one
  // again (a theme change). Else the sliders go where the server put them.
  const keep = panel.meta !== undefined && (same || panel.dragging !== null || hasUncommittedMove(panel, chosen));
  panel.header = header;
  panel.meta = meta;
  panel.columns = columns;
  panel.present = meta.present;
  panel.node.classList.toggle("lp-present", meta.present);
  const colours = themeColours(panel.node);
  panel.node.style.colorScheme = isDark(colours.background) ? "dark" : "light";
  if (panel.bodyTemplate !== meta.body) {
    panel.body.innerHTML = meta.body;
    panel.bodyTemplate = meta.body;
  }
  if (panel.afterTemplate !== meta.after) {
    panel.after.innerHTML = meta.after || "";
    panel.afterTemplate = meta.after;
  }
  // Explanations are open beside the numbers, and folded in presentation mode (as ui/widgets.explain does).
  for (const fold of panel.node.querySelectorAll("details.lp-explanation")) fold.open = !meta.present;
  panel.slots = [...panel.node.querySelectorAll("[data-col]")].map((slot) => [
    slot,
    columns[slot.dataset.col],
    Number(slot.dataset.digits || 6),
  ]);
  panel.conditions = [...panel.node.querySelectorAll("[data-when]")].map((item) => [item, columns[item.dataset.when]]);
  const value = keep ? Number(panel.sliders[chosen].range.value) : meta.sliders[chosen].start;
  if (!same) meta.sliders.forEach((spec) => (panel.committed[spec.key] = spec.start));
  panel.waiting = false;
  panel.node.classList.remove("lp-waiting");
  buildAgreement(panel, meta.agreement);
  panel.active = chosen;
  drawCharts(panel, meta.charts, colours, meta.present).then(() => show(panel, panel.position, true));
  moveTo(panel, chosen, value, panel.dragging === null);
  if (panel.wanted) {
    // A slider moved while the table was on its way: now that the table holds its section, show and commit it.
    const [index, wanted] = panel.wanted;
    panel.wanted = null;
    moveTo(panel, index, wanted, true);
    commit(panel, index);
  }
}

function isStale(panel, meta) {
  // A table made before the server saw this tab's latest commit (only where sections depend on other sliders).
  if (!meta.follows_commits || !panel.meta) return false;
  return meta.sliders.some(
    (spec) =>
      panel.committed[spec.key] !== undefined &&
      panel.committed[spec.key] !== spec.start &&
      performance.now() - (panel.committedAt[spec.key] || 0) < STALE_FOR_MS,
  );
}

function buildAgreement(panel, agreement) {
  const signature = JSON.stringify(agreement.rows.map((row) => row.implementation));
  if (panel.agreementSignature !== signature) {
    panel.agreement.replaceChildren();
    panel.agreementSignature = signature;
    panel.rows = [];
    if (!agreement.rows.length) return;
    element("h3", "lp-heading", panel.agreement, agreement.title);
    const table = element("table", "lp-table", panel.agreement);
    const head = element("tr", "", element("thead", "", table));
    for (const title of ["implementation", "dtype", "value", "|Δ| vs reference", "agrees?"]) {
      element("th", "", head, title).scope = "col";
    }
    const body = element("tbody", "", table);
    panel.rows = agreement.rows.map((row) => {
      const tr = element("tr", "", body);
      tr.dataset.row = row.id;
      element("td", "lp-implementation", tr, row.implementation);
      return {
        tr,
        dtype: element("td", "", tr),
        value: element("td", "lp-number", tr),
        gap: element("td", "lp-number", tr),
        mark: element("td", "", tr),
      };
    });
    panel.rule = element("p", "lp-caption", panel.agreement);
    panel.verdicts = element("div", "lp-verdicts", panel.agreement);
  }
  if (!agreement.rows.length) return;
  agreement.rows.forEach((row, index) => (panel.rows[index].dtype.textContent = row.dtype));
  panel.verdictSignature = null;
  panel.rule.textContent = `An implementation agrees when ${agreement.rule}, element by element.`;
}

function showAgreement(panel, position) {
  const { columns } = panel;
  const agreement = panel.meta.agreement;
  if (!agreement.rows.length) return;
  const verdicts = [];
  agreement.rows.forEach((row, index) => {
    const cells = panel.rows[index];
    const value = columns[row.value][position];
    cells.value.textContent = formatG(value);
    if (row.id === "reference") {
      cells.gap.textContent = "—";
      cells.mark.textContent = "reference";
      cells.tr.dataset.agrees = "reference";
      return;
    }
    const reason = columns[row.reason][position];
    const agrees = reason === agreement.agrees; // a row that differs always has its reason
    cells.gap.textContent = formatG(columns[row.gap][position], 3);
    cells.mark.textContent = agrees ? "✓ agrees" : "✗ differs";
    cells.tr.dataset.agrees = agrees ? "yes" : "no";
    if (!agrees) verdicts.push([row.implementation, formatG(value), agreement.reasons[reason]]);
  });
  const signature = JSON.stringify(verdicts);
  if (signature === panel.verdictSignature) return;
  panel.verdictSignature = signature;
  panel.verdicts.replaceChildren();
  if (!verdicts.length) element("p", "lp-verdict lp-agree", panel.verdicts, agreement.all_agree);
  for (const [implementation, value, reason] of verdicts) {
    const line = element("p", "lp-verdict lp-differ", panel.verdicts);
    element("strong", "", line, implementation);
    line.append(` gives ${value}. ${reason}`);
  }
}

// --- a position -------------------------------------------------------------------------------------------

function moveTo(panel, index, value, settle = false) {
  // Slider `index` at `value`: its section's position nearest to the value. Where the sections depend on the other
  // sliders, a move of another slider first commits the one moved before it (its section holds the old value of
  // that one), and until the table made for that commit arrives only the slider itself moves.
  const spec = panel.meta.sliders[index];
  const step = Math.round((value - spec.min) / spec.step);
  const position = spec.offset + Math.min(Math.max(step, 0), spec.size - 1);
  const moved = panel.active;
  if (panel.meta.follows_commits && moved !== index && moved !== undefined && hasUncommittedMove(panel, moved)) {
    clearTimeout(panel.sliders[moved].timer);
    commit(panel, moved);
  }
  if (isWaiting(panel) && index !== panel.waitingFor) {
    panel.wanted = [index, value];
    const shown = panel.columns[spec.column][position];
    panel.sliders[index].range.value = shown;
    panel.sliders[index].box.value = formatG(shown);
    return;
  }
  panel.active = index;
  show(panel, position, settle);
}

function show(panel, position, settle = false) {
  panel.position = position;
  const { columns, meta } = panel;
  meta.sliders.forEach((spec, index) => {
    const value = columns[spec.column][position];
    const { range, box } = panel.sliders[index];
    if (range.value !== String(value)) range.value = value;
    if (document.activeElement !== box || settle) box.value = formatG(value);
    range.setAttribute("aria-valuetext", fill(spec.valuetext, columns, position));
  });
  for (const [slot, column, digits] of panel.slots) slot.textContent = formatG(column[position], digits);
  for (const [item, column] of panel.conditions) item.hidden = column[position] === 0;
  showAgreement(panel, position);
  for (const view of panel.charts) if (view.spec) moveMarks(panel, view, position);
  if (settle) describe(panel);
  const active = meta.sliders[panel.active];
  panel.node.dataset.position = position;
  panel.node.dataset.value = formatG(columns[active.column][position]);
}

function describe(panel) {
  // Chart summaries for screen readers: updated when a move is committed, not at every step of a drag.
  for (const view of panel.charts) {
    if (view.spec) view.frame.setAttribute("aria-label", fill(view.spec.alt, panel.columns, panel.position));
  }
}

function hasUncommittedMove(panel, index) {
  const spec = panel.meta.sliders[index];
  return panel.position !== undefined && panel.columns[spec.column][panel.position] !== panel.committed[spec.key];
}

function isWaiting(panel) {
  return panel.waiting && performance.now() - panel.waitingSince < STALE_FOR_MS;
}

function commit(panel, index) {
  if (isWaiting(panel) && index !== panel.waitingFor) return;
  describe(panel);
  const spec = panel.meta.sliders[index];
  const value = panel.columns[spec.column][panel.position];
  panel.sliders[index].box.value = formatG(value);
  if (value === panel.committed[spec.key]) return;
  panel.committed[spec.key] = value;
  panel.committedAt[spec.key] = performance.now();
  const url = new URL(window.location.href);
  url.searchParams.set(spec.key, formatG(value));
  window.history.replaceState(window.history.state, "", url);
  if (panel.meta.follows_commits) {
    panel.waiting = true;
    panel.waitingFor = index;
    panel.waitingSince = performance.now();
    panel.node.classList.add("lp-waiting");
  }
  panel.setStateValue(spec.key, value);
}

export default function ({ parentElement, data, setStateValue, key }) {
  const node = parentElement.querySelector(".live-panel");
  const { meta, columns, header } = decodePanel(data);
  node.dataset.panelId = key;
  const layout = JSON.stringify([meta.layout, meta.sliders.map((spec) => [spec.key, spec.label])]);
  if (!node.panel || node.panel.layout !== layout) {
    node.panel = buildSkeleton(node, meta);
    node.panel.layout = layout;
  }
  const panel = node.panel;
  panel.setStateValue = setStateValue;
  if (isStale(panel, meta)) return;
  load(panel, meta, columns, header);
  window.logitLabFormatG = formatG;
}
