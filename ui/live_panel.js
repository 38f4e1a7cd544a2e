// A live lesson panel: the slider, numbers, formula, charts and agreement table of one lesson, redrawn in the
// browser from a table that lib computed at every position of the slider's grid (lib/lessons/grids.py). While
// the slider moves (drag, keys, the number box) nothing goes to the server: each `input` event looks the position
// up in the table and moves only what moves (numbers, markers, bars). Curves are drawn once per table by Plotly
// with fixed axis ranges and margins; markers and bars are an SVG overlay placed from the plot area's DOM box
// (Plotly's drag rectangle spans exactly the plot area), so no Plotly call runs during a drag. Where that box
// cannot be found the chart is redrawn with the markers as Plotly traces instead (slow but right).
// The value goes back to Python (setStateValue) when the drag ends or the keys pause; the link is updated here
// first with history.replaceState, so the commit adds no history entry, and the chart summaries for screen
// readers are updated then, not at every step.
// Data: bytes from lib/view/panel_data.py. Every element with data-col shows that column at the position,
// formatted as Python's "{:.{digits}g}"; every element with data-when is shown only where its column is non-zero.

const SVG = "http://www.w3.org/2000/svg";
const MARGIN = { l: 62, r: 14, t: 12, b: 48 };
const COMMIT_AFTER_KEYS_MS = 150;
const COMMIT_AFTER_IDLE_MS = 300;

function formatG(x, digits = 6) {
  // Python's format(x, f".{digits}g"), including nan, inf and -0.
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, exponentText] = x.toExponential(digits - 1).split("e");
  const exponent = Number(exponentText);
  const trim = (text) => (text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text);
  if (exponent < -4 || exponent >= digits) {
    const sign = exponent < 0 ? "-" : "+";
    return `${trim(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return trim(x.toFixed(Math.max(0, digits - 1 - exponent)));
}

function decodePanel(bytes) {
  const own = bytes.slice(); // the bytes sit inside a larger buffer: copy before viewing them as float64
  const view = new DataView(own.buffer);
  const length = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(own.subarray(8, 8 + length)));
  let offset = 8 + length + ((8 - ((8 + length) % 8)) % 8);
  const columns = {};
  for (const [name, size] of header.columns) {
    columns[name] = new Float64Array(own.buffer, offset, size);
    offset += 8 * size;
  }
  return { meta: header.meta, columns };
}

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function svgElement(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  parent.appendChild(node);
  return node;
}

function fill(template, columns, position) {
  // A text template's {column:digits} slots filled at the position (for aria-valuetext and chart summaries).
  return template.replace(/\{(\w+)(?::(\d+))?\}/g, (_, name, digits) =>
    formatG(columns[name][position], digits ? Number(digits) : 6),
  );
}

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
  const match = colour.match(/\d+(\.\d+)?/g);
  if (colour.startsWith("#") && colour.length >= 7) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
    return 0.299 * r + 0.587 * g + 0.114 * b < 128;
  }
  return match ? 0.299 * match[0] + 0.587 * match[1] + 0.114 * match[2] < 128 : false;
}

// --- the skeleton, built once per node --------------------------------------------------------------------

function buildSkeleton(node, meta) {
  node.replaceChildren();
  const panel = { node, charts: [], rows: [] };
  const slider = meta.slider;
  const row = element("div", "lp-slider", node);
  const label = element("label", "lp-slider-label", row, slider.label);
  const range = element("input", "lp-range", row);
  Object.assign(range, { type: "range", min: slider.min, max: slider.max, step: slider.step });
  range.id = `${node.dataset.panelId}-range`;
  label.htmlFor = range.id;
  const box = element("input", "lp-box", row);
  Object.assign(box, { type: "number", min: slider.min, max: slider.max, step: slider.step });
  box.setAttribute("aria-label", `${slider.label}, typed`);
  panel.range = range;
  panel.box = box;
  panel.body = element("div", "lp-body", node);
  panel.charts_node = element("div", "lp-charts", node);
  panel.agreement = element("div", "lp-agreement", node);
  panel.after = element("div", "lp-after", node);
  wireSlider(panel);
  return panel;
}

function wireSlider(panel) {
  const { range, box } = panel;
  let timer = null;
  const schedule = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(() => commit(panel), delay);
  };
  range.addEventListener("pointerdown", () => {
    panel.dragging = true;
    clearTimeout(timer);
  });
  const release = () => {
    if (panel.dragging) {
      panel.dragging = false;
      schedule(COMMIT_AFTER_KEYS_MS);
    }
  };
  range.addEventListener("pointerup", release);
  range.addEventListener("pointercancel", release);
  range.addEventListener("input", () => {
    show(panel, Number(range.value));
    if (!panel.dragging) schedule(COMMIT_AFTER_IDLE_MS);
  });
  range.addEventListener("change", () => {
    if (!panel.dragging) schedule(COMMIT_AFTER_KEYS_MS);
  });
  const typedIn = () => {
    const typed = Number(box.value);
    if (box.value === "" || !Number.isFinite(typed)) {
      box.value = formatG(panel.value);
      return;
    }
    show(panel, typed, true);
    schedule(0);
  };
  box.addEventListener("change", typedIn);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") typedIn();
  });
}

// --- one table ----------------------------------------------------------------------------------------------

function load(panel, meta, columns, present) {
  panel.meta = meta;
  panel.columns = columns;
  panel.grid = columns[meta.slider.column];
  panel.node.classList.toggle("lp-present", present);
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
  for (const fold of panel.node.querySelectorAll("details.lp-explanation")) fold.open = !present;
  panel.slots = [...panel.node.querySelectorAll("[data-col]")].map((slot) => [
    slot,
    columns[slot.dataset.col],
    Number(slot.dataset.digits || 6),
  ]);
  panel.conditions = [...panel.node.querySelectorAll("[data-when]")].map((item) => [item, columns[item.dataset.when]]);
  buildAgreement(panel, meta.agreement);
  drawCharts(panel, meta.charts, colours, present);
}

function buildAgreement(panel, agreement) {
  const signature = JSON.stringify(agreement.rows.map((row) => row.implementation));
  if (panel.agreementSignature !== signature) {
    panel.agreement.replaceChildren();
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
      const dtype = element("td", "", tr);
      return {
        tr,
        dtype,
        value: element("td", "lp-number", tr),
        gap: element("td", "lp-number", tr),
        mark: element("td", "", tr),
      };
    });
    panel.rule = element("p", "lp-caption", panel.agreement);
    panel.verdicts = element("div", "lp-verdicts", panel.agreement);
    panel.agreementSignature = signature;
  }
  agreement.rows.forEach((row, index) => (panel.rows[index].dtype.textContent = row.dtype));
  panel.verdictSignature = null;
  panel.rule.textContent = `An implementation agrees when ${agreement.rule}, element by element.`;
  panel.rowColumns = agreement.rows.map((row) => ({ ...row, reasons: agreement.reasons }));
}

function showAgreement(panel, position) {
  const { columns } = panel;
  const verdicts = [];
  panel.rowColumns.forEach((row, index) => {
    const cells = panel.rows[index];
    const value = columns[row.value][position];
    cells.value.textContent = formatG(value);
    if (row.id === "reference") {
      cells.gap.textContent = "—";
      cells.mark.textContent = "reference";
      cells.tr.dataset.agrees = "reference";
      return;
    }
    const agrees = columns[row.agrees][position] === 1;
    cells.gap.textContent = formatG(columns[row.gap][position], 3);
    cells.mark.textContent = agrees ? "✓ agrees" : "✗ differs";
    cells.tr.dataset.agrees = agrees ? "yes" : "no";
    if (!agrees) {
      verdicts.push([row.implementation, formatG(value), row.reasons[columns[row.reason][position]]]);
    }
  });
  const signature = JSON.stringify(verdicts);
  if (signature === panel.verdictSignature) return;
  panel.verdictSignature = signature;
  panel.verdicts.replaceChildren();
  if (!verdicts.length) {
    element("p", "lp-verdict lp-agree", panel.verdicts, panel.meta.agreement.all_agree);
  }
  for (const [implementation, value, reason] of verdicts) {
    const line = element("p", "lp-verdict lp-differ", panel.verdicts);
    element("strong", "", line, implementation);
    line.append(` gives ${value}. ${reason}`);
  }
}

// --- charts -------------------------------------------------------------------------------------------------

function plotlyFigure(chart, columns, colours, present, withMarkers, position) {
  const size = present ? 17 : 12;
  const axis = (own) => ({
    ...own,
    title: { text: own.title, font: { size } },
    autorange: false,
    fixedrange: true,
    automargin: false,
    gridcolor: colours.lines,
    zerolinecolor: colours.lines,
    linecolor: colours.lines,
    tickfont: { size },
  });
  const traces = chart.curves.map((curve) => ({
    type: "scatter",
    mode: "lines",
    x: Array.from(columns[curve.x]),
    y: Array.from(columns[curve.y]),
    name: curve.name,
    line: { color: curve.color, width: curve.width || 2.5, dash: curve.dash || "solid" },
    hovertemplate: `${curve.name}<br>%{x:.4g}, %{y:.5g}<extra></extra>`,
  }));
  if (chart.bars) {
    traces.push({
      type: "bar",
      x: chart.bars.map((bar) => bar.label),
      y: chart.bars.map(() => 0),
      marker: { color: "rgba(0,0,0,0)" },
      hoverinfo: "skip",
      showlegend: false,
    });
  }
  if (withMarkers) {
    for (const point of chart.points || []) {
      traces.push({
        type: "scatter",
        mode: "markers",
        x: [columns[point.x][position]],
        y: [clamp(columns[point.y][position], chart.y.range)],
        marker: { color: point.color, size: 13 },
        name: point.name,
        showlegend: false,
      });
    }
  }
  const xaxis = chart.bars
    ? { ...axis(chart.x), type: "category", range: [-0.5, chart.bars.length - 0.5] }
    : axis(chart.x);
  return {
    data: traces,
    layout: {
      height: present ? Math.round(chart.height * 1.35) : chart.height,
      margin: present ? { l: 80, r: 16, t: 14, b: 62 } : MARGIN,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: colours.font, color: colours.text, size },
      showlegend: chart.curves.length > 1,
      legend: { x: 0.01, y: 0.99, xanchor: "left", yanchor: "top", bgcolor: "rgba(0,0,0,0)", font: { size } },
      xaxis,
      yaxis: axis(chart.y),
      hovermode: "closest",
    },
  };
}

function clamp(value, [low, high]) {
  return Math.min(Math.max(value, low), high);
}

function drawCharts(panel, charts, colours, present) {
  if (panel.chartCount !== charts.length) {
    panel.charts_node.replaceChildren();
    panel.charts = charts.map(() => {
      const cell = element("figure", "lp-chart", panel.charts_node);
      const title = element("figcaption", "lp-chart-title", cell);
      const frame = element("div", "lp-frame", cell);
      frame.setAttribute("role", "img");
      const plot = element("div", "lp-plot", frame);
      const overlay = svgElement("svg", { class: "lp-overlay", "aria-hidden": "true" }, frame);
      return { cell, title, frame, plot, overlay, box: null };
    });
    panel.chartCount = charts.length;
  }
  panel.charts.forEach((view, index) => {
    view.spec = charts[index];
    view.title.textContent = view.spec.title;
    view.box = null;
    view.frame.style.minHeight = `${present ? Math.round(view.spec.height * 1.35) : view.spec.height}px`;
    buildOverlay(view, colours, present);
  });
  panel.colours = colours;
  panel.present = present;
  panel.drawn = loadPlotly()
    .then((Plotly) => {
      panel.Plotly = Plotly;
      return Promise.all(
        panel.charts.map((view) => {
          const figure = plotlyFigure(view.spec, panel.columns, colours, present, false);
          return Plotly.react(view.plot, figure.data, figure.layout, { displayModeBar: false, responsive: true }).then(
            () => {
              if (!view.listening) {
                // A resize (responsive: true) redraws the chart; the overlay follows its new plot area.
                view.plot.on("plotly_afterplot", () => {
                  view.box = null;
                  if (panel.position !== undefined) moveOverlay(panel, view, panel.position);
                });
                view.listening = true;
              }
            },
          );
        }),
      );
    })
    .then(() => {
      panel.charts.forEach((view) => (view.box = null));
      show(panel, panel.value, true);
    })
    .catch((error) => {
      window.logitLabPlotly = null;
      panel.charts.forEach((view) => {
        view.plot.textContent = `This chart could not be drawn: plotly.js did not load (${error.message}).`;
        view.plot.dataset.failed = "true";
      });
    });
}

function buildOverlay(view, colours, present) {
  // Rebuilt only when what it holds changes (a new table usually keeps the same points and bars).
  const { overlay, spec } = view;
  const signature = JSON.stringify([spec.bars, spec.points, colours, present]);
  if (view.overlaySignature === signature) return;
  view.overlaySignature = signature;
  overlay.replaceChildren();
  const labelSize = present ? 18 : 13;
  view.barShapes = (spec.bars || []).map((bar) => ({
    rect: svgElement("rect", { fill: bar.color, class: "lp-bar" }, overlay),
    text: svgElement("text", { class: "lp-bar-label", "font-size": labelSize, fill: colours.text }, overlay),
    column: bar.y,
  }));
  view.pointShapes = (spec.points || []).map((point) => ({
    dot: svgElement(
      "circle",
      { r: present ? 8 : 6.5, fill: point.color, stroke: colours.background, "stroke-width": 2, class: "lp-point" },
      overlay,
    ),
    arrow: svgElement("path", { fill: point.color, class: "lp-off-chart" }, overlay),
    text: svgElement("text", { class: "lp-point-label", "font-size": labelSize, fill: colours.text }, overlay),
    point,
  }));
}

function plotBox(view) {
  // The plot area as Plotly drew it: its drag rectangle covers exactly the axes' ranges.
  if (view.box) return view.box;
  const drag = view.plot.querySelector(".nsewdrag");
  if (!drag) return null;
  const outer = view.frame.getBoundingClientRect();
  const inner = drag.getBoundingClientRect();
  if (!inner.width || !inner.height) return null;
  view.box = { left: inner.left - outer.left, top: inner.top - outer.top, width: inner.width, height: inner.height };
  return view.box;
}

function toPixels(box, spec, x, y) {
  const [x0, x1] = spec.bars ? [-0.5, spec.bars.length - 0.5] : spec.x.range;
  const [y0, y1] = spec.y.range;
  return [box.left + ((x - x0) / (x1 - x0)) * box.width, box.top + ((y1 - y) / (y1 - y0)) * box.height];
}

function moveOverlay(panel, view, position) {
  const box = plotBox(view);
  const { spec } = view;
  const { columns } = panel;
  if (!box) {
    redrawWithMarkers(panel, view, position);
    return;
  }
  view.barShapes.forEach((bar, index) => {
    const value = columns[bar.column][position];
    const shown = clamp(Number.isFinite(value) ? value : 0, spec.y.range);
    const [left] = toPixels(box, spec, index - 0.35, 0);
    const [right, base] = toPixels(box, spec, index + 0.35, clamp(0, spec.y.range));
    const [, end] = toPixels(box, spec, index, shown);
    bar.rect.setAttribute("x", left);
    bar.rect.setAttribute("width", right - left);
    bar.rect.setAttribute("y", Math.min(base, end));
    bar.rect.setAttribute("height", Math.abs(end - base));
    const above = end <= base;
    const room = panel.present ? 20 : 15;
    const labelY = above ? Math.max(end - 5, box.top + room) : Math.min(end + room, box.top + box.height - 4);
    bar.text.setAttribute("x", (left + right) / 2);
    bar.text.setAttribute("y", labelY);
    bar.text.textContent = formatG(value, 4);
  });
  for (const shape of view.pointShapes) {
    const x = columns[shape.point.x][position];
    const y = columns[shape.point.y][position];
    const [low, high] = spec.y.range;
    const off = !(y >= low && y <= high);
    const [px, py] = toPixels(box, spec, clamp(x, spec.x.range), clamp(Number.isFinite(y) ? y : high, spec.y.range));
    shape.dot.setAttribute("cx", px);
    shape.dot.setAttribute("cy", py);
    shape.dot.dataset.x = x;
    shape.dot.dataset.y = y;
    shape.dot.style.display = off ? "none" : "";
    shape.arrow.style.display = off ? "" : "none";
    if (off) {
      const tip = y > high ? 1 : -1;
      const edge = tip > 0 ? py + 2 : py - 2;
      shape.arrow.setAttribute("d", `M${px},${edge} l-8,${14 * tip} l16,0 z`);
    }
    shape.text.style.display = off ? "" : "none";
    if (off) {
      shape.text.textContent = fill(shape.point.off_chart, columns, position);
      const anchorEnd = px > box.left + box.width / 2;
      shape.text.style.textAnchor = anchorEnd ? "end" : "start";
      shape.text.setAttribute("x", anchorEnd ? px - 12 : px + 12);
      shape.text.setAttribute("y", y > high ? py + 16 : py - 8);
    }
  }
}

function redrawWithMarkers(panel, view, position) {
  // The fallback: no plot box to place the overlay on, so Plotly draws the markers itself (16–45 ms a chart).
  if (!panel.Plotly) return;
  view.overlay.style.display = "none";
  const figure = plotlyFigure(view.spec, panel.columns, panel.colours, panel.present, true, position);
  panel.Plotly.react(view.plot, figure.data, figure.layout, { displayModeBar: false, responsive: true });
}

// --- a position -------------------------------------------------------------------------------------------

function positionOf(panel, value) {
  const { min, step } = panel.meta.slider;
  const index = Math.round((value - min) / step);
  return Math.min(Math.max(index, 0), panel.grid.length - 1);
}

function show(panel, value, settle = false) {
  const position = positionOf(panel, value);
  panel.position = position;
  panel.value = panel.grid[position];
  const text = formatG(panel.value);
  if (panel.range.value !== String(panel.value)) panel.range.value = panel.value;
  if (document.activeElement !== panel.box || settle) panel.box.value = text;
  panel.range.setAttribute("aria-valuetext", fill(panel.meta.slider.valuetext, panel.columns, position));
  for (const [slot, column, digits] of panel.slots) slot.textContent = formatG(column[position], digits);
  for (const [item, column] of panel.conditions) item.hidden = column[position] === 0;
  showAgreement(panel, position);
  if (panel.Plotly) for (const view of panel.charts) moveOverlay(panel, view, position);
  if (settle) describe(panel);
  panel.node.dataset.position = position;
  panel.node.dataset.value = text;
}

function describe(panel) {
  // Chart summaries for screen readers: updated when a move is committed, not at every step of a drag.
  for (const view of panel.charts) view.frame.setAttribute("aria-label", fill(view.spec.alt, panel.columns, panel.position));
}

function commit(panel) {
  describe(panel);
  panel.box.value = formatG(panel.value);
  if (panel.value === panel.committed) return;
  panel.committed = panel.value;
  const key = panel.meta.slider.key;
  const url = new URL(window.location.href);
  url.searchParams.set(key, formatG(panel.value));
  window.history.replaceState(window.history.state, "", url);
  panel.setStateValue(key, panel.value);
}

export default function ({ parentElement, data, setStateValue, key }) {
  const node = parentElement.querySelector(".live-panel");
  const { meta, columns } = decodePanel(data);
  node.dataset.panelId = key;
  if (!node.panel || node.panel.layout !== meta.layout) {
    node.panel = buildSkeleton(node, meta);
    node.panel.layout = meta.layout;
  }
  const panel = node.panel;
  panel.setStateValue = setStateValue;
  panel.value = meta.slider.start;
  panel.committed = meta.slider.start;
  load(panel, meta, columns, meta.present);
  show(panel, meta.slider.start, true);
  window.logitLabFormatG = formatG;
}
