// A plotly figure that updates in place: Plotly.react on a node that stays across reruns.
// st.plotly_chart re-creates a changed chart's node on every rerun (a full Plotly.newPlot, 20-30 ms each);
// here the node stays, and a chart whose figure is unchanged is not touched. A chart whose data changed is
// still redrawn whole by plotly (10-15 ms; its transition path would move only a marker, but leaves the
// margins automargin sized for the old tick labels: README, Performance). Figures arrive as plotly JSON
// without a template; the Streamlit theme (text, borders, font) is applied from its CSS custom properties.
// Screen readers get the chart as one image labelled with its words-only summary, not plotly's SVG pieces.

function themed(layout, element) {
  const css = getComputedStyle(element);
  const text = css.getPropertyValue("--st-text-color").trim();
  const lines = css.getPropertyValue("--st-border-color").trim();
  const axis = (own) => ({ automargin: true, gridcolor: lines, zerolinecolor: lines, linecolor: lines, ...own });
  return {
    ...layout,
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: css.getPropertyValue("--st-font").trim(), color: text, ...layout.font },
    xaxis: axis(layout.xaxis),
    yaxis: axis(layout.yaxis),
  };
}

function sayWhy(node, error) {
  // A chart that cannot be drawn says so in words (and the next rerun tries again).
  window.logitLabPlotly = null;
  node.dataset.failed = "true";
  node.textContent = `This chart could not be drawn: plotly.js did not load (${error.message}).`;
}

export default function ({ parentElement, data }) {
  const node = parentElement.querySelector(".live-chart");
  const figure = JSON.parse(data.figure);
  node.style.minHeight = `${figure.layout.height}px`;
  node.setAttribute("role", "img");
  node.setAttribute("aria-label", data.alt);
  loadPlotly()
    .then((Plotly) => {
      if (node.dataset.failed) {
        node.textContent = "";
        delete node.dataset.failed;
      }
      return Plotly.react(node, figure.data, themed(figure.layout, node), { displayModeBar: false, responsive: true });
    })
    .catch((error) => sayWhy(node, error));
}
