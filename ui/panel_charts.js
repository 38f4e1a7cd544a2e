// The charts of a live panel. Plotly draws only each chart's frame (axes, ticks, grid lines, axis titles) with fixed
// ranges and fixed margins, and only when the frame itself changes; everything that depends on the table (curves,
// bars, target ticks, moving points, value labels, the hover read-out) is an SVG overlay drawn here. A new position
// moves overlay attributes, and a new table (another target, weight or dtype) redraws the overlay's curves, both
// without a Plotly call (each costs 16–45 ms a chart). With fixed margins the plot area is known without asking
// Plotly: MARGIN in from the frame's edges (a browser test checks it against a fresh Plotly drawing).

const SVG = "http://www.w3.org/2000/svg";
const MARGIN = { l: 62, r: 14, t: 12, b: 48 };
const PRESENT_MARGIN = { l: 80, r: 16, t: 14, b: 62 };
const BAR_GROUP = 0.72; // the share of a category's slot its bars take
const FAR = 1e5; // pixels: coordinates further out are pinned, so an overflowing value cannot break the path

function svgElement(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  parent.appendChild(node);
  return node;
}

function chartHeight(spec, present) {
  return present ? Math.round(spec.height * 1.35) : spec.height;
}

function frameFigure(spec, colours, present) {
  // The chart's frame only: no traces, so redrawing it never depends on the data.
  const size = present ? 17 : 12;
  const axis = (own) => ({
    title: { text: own.title, font: { size } },
    range: own.range,
    autorange: false,
    fixedrange: true,
    automargin: false,
    gridcolor: colours.lines,
    zerolinecolor: colours.lines,
    linecolor: colours.lines,
    tickfont: { size },
  });
  const categories = spec.bars ? spec.bars.categories : null;
  const xaxis = categories
    ? {
        ...axis({ ...spec.x, range: [-0.5, categories.length - 0.5] }),
        tickmode: "array",
        tickvals: categories.map((_, index) => index),
        ticktext: categories,
        showgrid: false,
        zeroline: false,
      }
    : axis(spec.x);
  return {
    data: [],
    layout: {
      height: chartHeight(spec, present),
      margin: present ? PRESENT_MARGIN : MARGIN,
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      font: { family: colours.font, color: colours.text, size },
      showlegend: false,
      xaxis,
      yaxis: axis(spec.y),
      hovermode: false,
      dragmode: false,
    },
  };
}

// --- building a chart's nodes --------------------------------------------------------------------------------

function chartView(parent, panelId, index) {
  const cell = element("figure", "lp-chart", parent);
  const title = element("figcaption", "lp-chart-title", cell);
  const legend = element("div", "lp-legend", cell);
  legend.setAttribute("aria-hidden", "true");
  const frame = element("div", "lp-frame", cell);
  frame.setAttribute("role", "img");
  const plot = element("div", "lp-plot", frame);
  const overlay = svgElement("svg", { class: "lp-overlay", "aria-hidden": "true" }, frame);
  const clipId = `${panelId}-clip-${index}`;
  const clipRect = svgElement("rect", {}, svgElement("clipPath", { id: clipId }, svgElement("defs", {}, overlay)));
  const layers = {};
  for (const name of ["curves", "bars", "ticks", "guide", "points", "labels"]) {
    layers[name] = svgElement("g", { class: `lp-layer-${name}` }, overlay);
  }
  layers.curves.setAttribute("clip-path", `url(#${clipId})`);
  layers.ticks.setAttribute("clip-path", `url(#${clipId})`);
  const tooltip = element("div", "lp-tooltip", frame);
  tooltip.hidden = true;
  return { cell, title, legend, frame, plot, overlay, clipRect, layers, tooltip, box: null };
}

function legendEntries(spec) {
  const entries = spec.curves.map((curve) => ({
    kind: "line",
    name: curve.name,
    color: curve.color,
    dash: curve.dash,
  }));
  for (const series of spec.bars ? spec.bars.series : []) {
    if (series.name) entries.push({ kind: "bar", name: series.name, color: series.colors[0] });
  }
  for (const ticks of spec.bars ? spec.bars.ticks : [])
    entries.push({ kind: "tick", name: ticks.name, color: ticks.color });
  return entries;
}

function buildLegend(view, spec) {
  const entries = legendEntries(spec);
  view.legend.replaceChildren();
  view.legend.hidden = entries.length < 2;
  for (const entry of entries) {
    const key = element("span", "lp-key", view.legend);
    const swatch = svgElement("svg", { width: 24, height: 12, class: "lp-swatch" }, key);
    if (entry.kind === "bar") {
      svgElement("rect", { x: 6, y: 0, width: 12, height: 12, fill: entry.color }, swatch);
    } else {
      const dashed = entry.dash && entry.dash !== "solid";
      svgElement(
        "line",
        {
          x1: 1,
          x2: 23,
          y1: 6,
          y2: 6,
          stroke: entry.color,
          "stroke-width": entry.kind === "tick" ? 3 : 2.5,
          "stroke-dasharray": dashed ? "5 3" : "none",
        },
        swatch,
      );
    }
    key.append(entry.name);
  }
}

function buildMarks(view, colours, present) {
  // Rebuilt only when what the overlay holds changes (a new table usually keeps the same marks).
  const { spec, layers } = view;
  const signature = JSON.stringify([spec.curves, spec.points, spec.bars, spec.title, colours, present]);
  if (view.marksSignature === signature) return;
  view.marksSignature = signature;
  for (const layer of Object.values(layers)) layer.replaceChildren();
  const labelSize = present ? 18 : 13;
  view.labelSize = labelSize;
  view.curveShapes = spec.curves.map((curve) =>
    svgElement(
      "path",
      {
        class: "lp-curve",
        fill: "none",
        stroke: curve.color,
        "stroke-width": curve.width || 2.5,
        "stroke-dasharray": curve.dash === "dash" ? "7 4" : curve.dash === "dot" ? "2 3" : "none",
        "stroke-linejoin": "round",
      },
      layers.curves,
    ),
  );
  const label = (parent) =>
    svgElement(
      "text",
      { class: "lp-bar-label", "font-size": labelSize, fill: colours.text, stroke: colours.background },
      parent,
    );
  view.barShapes = [];
  view.tickShapes = [];
  if (spec.bars) {
    spec.bars.series.forEach((series, s) => {
      series.columns.forEach((column, category) => {
        view.barShapes.push({
          rect: svgElement(
            "rect",
            { fill: series.colors[category % series.colors.length], class: "lp-bar" },
            layers.bars,
          ),
          text: label(layers.labels),
          column,
          category,
          series: s,
          digits: series.digits,
        });
      });
    });
    for (const ticks of spec.bars.ticks) {
      ticks.columns.forEach((column, category) => {
        view.tickShapes.push({
          line: svgElement(
            "line",
            { stroke: ticks.color, "stroke-width": present ? 4 : 3, class: "lp-tick" },
            layers.ticks,
          ),
          column,
          category,
        });
      });
    }
  }
  view.pointShapes = spec.points.map((point) => ({
    dot: svgElement(
      "circle",
      { r: present ? 8 : 6.5, fill: point.color, stroke: colours.background, "stroke-width": 2, class: "lp-point" },
      layers.points,
    ),
    arrow: svgElement("path", { fill: point.color, class: "lp-off-chart" }, layers.points),
    text: svgElement("text", { class: "lp-point-label", "font-size": labelSize, fill: colours.text }, layers.labels),
    point,
  }));
  view.guide = svgElement("line", { class: "lp-guide", stroke: colours.text }, layers.guide);
  view.guide.style.display = "none";
}

// --- geometry ------------------------------------------------------------------------------------------------

function plotBox(view, present) {
  // The plot area: the frame's width and the chart's height less the fixed margins.
  if (view.box) return view.box;
  const width = view.plot.clientWidth;
  if (!width) return null;
  const margin = present ? PRESENT_MARGIN : MARGIN;
  const height = chartHeight(view.spec, present);
  view.box = {
    left: margin.l,
    top: margin.t,
    width: width - margin.l - margin.r,
    height: height - margin.t - margin.b,
  };
  view.clipRect.setAttribute("x", view.box.left);
  view.clipRect.setAttribute("y", view.box.top);
  view.clipRect.setAttribute("width", Math.max(view.box.width, 0));
  view.clipRect.setAttribute("height", Math.max(view.box.height, 0));
  return view.box;
}

function xRange(spec) {
  return spec.bars ? [-0.5, spec.bars.categories.length - 0.5] : spec.x.range;
}

function toPixels(box, spec, x, y) {
  const [x0, x1] = xRange(spec);
  const [y0, y1] = spec.y.range;
  const px = box.left + ((x - x0) / (x1 - x0)) * box.width;
  const py = box.top + ((y1 - y) / (y1 - y0)) * box.height;
  return [clamp(px, [-FAR, FAR]), clamp(py, [-FAR, FAR])];
}

function curveData(panel, curve) {
  // A curve's x and y: its own columns, or along the active slider, the slice of the table where that slider moves.
  if (!curve.along_slider) return [panel.columns[curve.x], panel.columns[curve.y]];
  const slider = panel.meta.sliders[panel.active];
  const part = (name) => panel.columns[name].subarray(slider.offset, slider.offset + slider.size);
  return [part(curve.x === "@slider" ? slider.column : curve.x), part(curve.y)];
}

function placeCurves(panel, view) {
  const box = plotBox(view, panel.present);
  if (!box) return;
  view.spec.curves.forEach((curve, index) => {
    const [xs, ys] = curveData(panel, curve);
    let d = "";
    let pen = "M";
    for (let i = 0; i < xs.length; i += 1) {
      if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) {
        pen = "M";
        continue;
      }
      const [px, py] = toPixels(box, view.spec, xs[i], ys[i]);
      d += `${pen}${px.toFixed(2)},${py.toFixed(2)}`;
      pen = "L";
    }
    view.curveShapes[index].setAttribute("d", d);
  });
  view.curvesPlaced = panel.active;
}

function labelFits(text, size, width) {
  return text.length * 0.6 * size <= width;
}

function placeBarLabel(shape, box, x, base, end, value, width, size) {
  // Beside the bar's end, across when it fits the bar's width, else turned upright; inside the bar where the plot
  // area leaves no room beyond its end.
  const text = formatG(value, shape.digits);
  shape.text.textContent = text;
  const up = end <= base;
  if (labelFits(text, size, width)) {
    shape.text.removeAttribute("transform");
    shape.text.style.textAnchor = "middle";
    shape.text.setAttribute("dominant-baseline", "auto");
    const room = size + 2;
    const y = up ? Math.max(end - 5, box.top + room) : Math.min(end + room, box.top + box.height - 4);
    shape.text.setAttribute("x", x);
    shape.text.setAttribute("y", y);
    return;
  }
  const length = text.length * 0.6 * size + 6;
  const outside = up ? end - 4 - length >= box.top : end + 4 + length <= box.top + box.height;
  const towardsTop = up === outside;
  const y = up === outside ? end + (up ? -4 : 4) : end + (up ? 4 : -4);
  shape.text.style.textAnchor = towardsTop ? "start" : "end";
  shape.text.setAttribute("dominant-baseline", "central");
  shape.text.setAttribute("x", x);
  shape.text.setAttribute("y", y);
  shape.text.setAttribute("transform", `rotate(-90 ${x} ${y})`);
}

function moveMarks(panel, view, position) {
  const box = plotBox(view, panel.present);
  if (!box) return;
  const { spec } = view;
  const { columns } = panel;
  if (spec.curves.some((curve) => curve.along_slider) && view.curvesPlaced !== panel.active) placeCurves(panel, view);
  if (spec.bars) {
    const count = spec.bars.series.length;
    const barWidth = BAR_GROUP / count;
    const slotPixels = (box.width / spec.bars.categories.length / count) * 0.96;
    for (const bar of view.barShapes) {
      const value = columns[bar.column][position];
      const shown = clamp(Number.isFinite(value) ? value : 0, spec.y.range);
      const centre = bar.category - BAR_GROUP / 2 + (bar.series + 0.5) * barWidth;
      const [left] = toPixels(box, spec, centre - barWidth * 0.45, 0);
      const [right, base] = toPixels(box, spec, centre + barWidth * 0.45, clamp(0, spec.y.range));
      const [, end] = toPixels(box, spec, centre, shown);
      bar.rect.setAttribute("x", left);
      bar.rect.setAttribute("width", right - left);
      bar.rect.setAttribute("y", Math.min(base, end));
      bar.rect.setAttribute("height", Math.abs(end - base));
      placeBarLabel(bar, box, (left + right) / 2, base, end, value, slotPixels, view.labelSize);
    }
    for (const tick of view.tickShapes) {
      const value = columns[tick.column][position];
      const [left, y] = toPixels(box, spec, tick.category - BAR_GROUP / 2 - 0.04, value);
      const [right] = toPixels(box, spec, tick.category + BAR_GROUP / 2 + 0.04, value);
      tick.line.setAttribute("x1", left);
      tick.line.setAttribute("x2", right);
      tick.line.setAttribute("y1", y);
      tick.line.setAttribute("y2", y);
    }
  }
  for (const shape of view.pointShapes) movePoint(panel, view, box, shape, position);
}

function movePoint(panel, view, box, shape, position) {
  const { spec } = view;
  const slider = panel.meta.sliders[panel.active];
  const x = panel.columns[shape.point.x === "@slider" ? slider.column : shape.point.x][position];
  const y = panel.columns[shape.point.y][position];
  const [low, high] = spec.y.range;
  const off = !(y >= low && y <= high);
  const [px, py] = toPixels(box, spec, clamp(x, spec.x.range), clamp(Number.isFinite(y) ? y : high, spec.y.range));
  shape.dot.setAttribute("cx", px);
  shape.dot.setAttribute("cy", py);
  shape.dot.dataset.x = x;
  shape.dot.dataset.y = y;
  shape.dot.style.display = off ? "none" : "";
  shape.arrow.style.display = off ? "" : "none";
  shape.text.style.display = off ? "" : "none";
  if (!off) return;
  const tip = y > high ? 1 : -1;
  const edge = tip > 0 ? py + 2 : py - 2;
  shape.arrow.setAttribute("d", `M${px},${edge} l-8,${14 * tip} l16,0 z`);
  shape.text.textContent = fill(shape.point.off_chart, panel.columns, position);
  const anchorEnd = px > box.left + box.width / 2;
  shape.text.style.textAnchor = anchorEnd ? "end" : "start";
  shape.text.setAttribute("x", anchorEnd ? px - 12 : px + 12);
  shape.text.setAttribute("y", y > high ? py + 16 : py - 8);
}

// --- hover: the exact values under the pointer ----------------------------------------------------------------

function nearestIndex(xs, x) {
  let low = 0;
  let high = xs.length - 1;
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (xs[middle] < x) low = middle;
    else high = middle;
  }
  return Math.abs(xs[low] - x) <= Math.abs(xs[high] - x) ? low : high;
}

function hoverLines(panel, view, pointerX) {
  const { spec } = view;
  const box = view.box;
  const [x0, x1] = xRange(spec);
  const x = x0 + ((pointerX - box.left) / box.width) * (x1 - x0);
  if (spec.bars) {
    const category = Math.round(x);
    if (category < 0 || category >= spec.bars.categories.length) return null;
    const at = (column) => formatG(panel.columns[column][panel.position]);
    const lines = [spec.bars.categories[category]];
    for (const series of spec.bars.series)
      lines.push(`${series.name || spec.y.title}: ${at(series.columns[category])}`);
    for (const ticks of spec.bars.ticks) lines.push(`${ticks.name}: ${at(ticks.columns[category])}`);
    return { lines, guideX: toPixels(box, spec, category, 0)[0] };
  }
  if (!spec.curves.length) return null;
  const [xs] = curveData(panel, spec.curves[0]);
  const index = nearestIndex(xs, x);
  const lines = [`${spec.x.title} = ${formatG(xs[index])}`];
  for (const curve of spec.curves) {
    const [cx, cy] = curveData(panel, curve);
    lines.push(`${curve.name}: ${formatG(cy[nearestIndex(cx, xs[index])])}`);
  }
  return { lines, guideX: toPixels(box, spec, xs[index], 0)[0] };
}

function wireHover(panel, view) {
  const hide = () => {
    view.tooltip.hidden = true;
    view.guide.style.display = "none";
  };
  view.frame.addEventListener("pointerleave", hide);
  view.frame.addEventListener("pointermove", (event) => {
    const box = view.box;
    if (!box || !panel.columns) return;
    const frame = view.frame.getBoundingClientRect();
    const px = event.clientX - frame.left;
    const py = event.clientY - frame.top;
    const inside = px >= box.left && px <= box.left + box.width && py >= box.top && py <= box.top + box.height;
    const read = inside ? hoverLines(panel, view, px) : null;
    if (!read) {
      hide();
      return;
    }
    view.tooltip.replaceChildren(...read.lines.map((line) => element("div", "", null, line)));
    view.tooltip.hidden = false;
    const left =
      read.guideX + 12 + view.tooltip.offsetWidth > frame.width
        ? read.guideX - 12 - view.tooltip.offsetWidth
        : read.guideX + 12;
    view.tooltip.style.left = `${Math.max(0, left)}px`;
    view.tooltip.style.top = `${box.top + 4}px`;
    for (const [name, value] of [
      ["x1", read.guideX],
      ["x2", read.guideX],
      ["y1", box.top],
      ["y2", box.top + box.height],
    ]) {
      view.guide.setAttribute(name, value);
    }
    view.guide.style.display = "";
  });
}

// --- a table's charts ----------------------------------------------------------------------------------------

function drawCharts(panel, charts, colours, present) {
  if (panel.charts.length !== charts.length) {
    panel.charts_node.replaceChildren();
    panel.charts = charts.map((_, index) => {
      const view = chartView(panel.charts_node, panel.node.dataset.panelId, index);
      wireHover(panel, view);
      new ResizeObserver(() => {
        if (!view.spec) return;
        view.box = null;
        placeCurves(panel, view);
        if (panel.position !== undefined) moveMarks(panel, view, panel.position);
        if (panel.Plotly && view.framed) panel.Plotly.Plots.resize(view.plot);
      }).observe(view.frame);
      return view;
    });
  }
  panel.charts.forEach((view, index) => {
    view.spec = charts[index];
    view.title.textContent = view.spec.title;
    view.box = null;
    view.frame.style.height = `${chartHeight(view.spec, present)}px`;
    buildLegend(view, view.spec);
    buildMarks(view, colours, present);
    placeCurves(panel, view);
  });
  return loadPlotly()
    .then((Plotly) => {
      panel.Plotly = Plotly;
      return Promise.all(panel.charts.map((view) => drawFrame(Plotly, view, colours, present)));
    })
    .catch((error) => {
      window.logitLabPlotly = null;
      panel.charts.forEach((view) => {
        view.plot.textContent = `This chart could not be drawn: plotly.js did not load (${error.message}).`;
        view.plot.dataset.failed = "true";
        view.overlay.style.display = "none"; // marks without their axes would mislead
      });
    });
}

function drawFrame(Plotly, view, colours, present) {
  // Plotly redraws a frame only when its axes, titles, size or theme changed.
  const figure = frameFigure(view.spec, colours, present);
  const signature = JSON.stringify(figure.layout);
  if (view.frameSignature === signature) return Promise.resolve();
  view.frameSignature = signature;
  return Plotly.react(view.plot, figure.data, figure.layout, {
    displayModeBar: false,
    responsive: true,
    staticPlot: true,
  }).then(() => {
    view.framed = true;
  });
}
