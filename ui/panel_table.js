// A live panel's table in the browser: the bytes lib/view/panel_data.py packs, read as named float64 columns, and
// numbers formatted exactly as Python formats them, so a number shown here equals the one Python would print.

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
  const text = new TextDecoder().decode(own.subarray(8, 8 + length));
  const header = JSON.parse(text);
  let offset = 8 + length + ((8 - ((8 + length) % 8)) % 8);
  const columns = {};
  for (const [name, size] of header.columns) {
    columns[name] = new Float64Array(own.buffer, offset, size);
    offset += 8 * size;
  }
  return { meta: header.meta, columns, header: text };
}

function fill(template, columns, position) {
  // A text template's {column:digits} slots filled at the position (slider value texts, chart summaries, reasons).
  return template.replace(/\{(\w+)(?::(\d+))?\}/g, (_, name, digits) =>
    formatG(columns[name][position], digits ? Number(digits) : 6),
  );
}

function element(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

function clamp(value, [low, high]) {
  return Math.min(Math.max(value, low), high);
}
