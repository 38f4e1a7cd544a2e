// plotly.js, loaded once per tab from the app's own static folder (never a CDN), shared by every chart component.
// Prepended to each component's JS (ui/widgets.py, ui/live_panel.py).

const PLOTLY_PATH = "app/static/plotly.min.js";

function loadPlotly() {
  // Once per tab: Streamlit's static serving sends .js as text/plain, so run it from a blob URL.
  if (!window.logitLabPlotly) {
    const url = new URL(PLOTLY_PATH, window.location.href);
    window.logitLabPlotly = fetch(url)
      .then((response) => {
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        return response.text();
      })
      .then(
        (code) =>
          new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
            script.onload = () => resolve(window.Plotly);
            script.onerror = reject;
            document.head.appendChild(script);
          }),
      );
  }
  return window.logitLabPlotly;
}
