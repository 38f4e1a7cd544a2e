"""Opening a page of the app under AppTest, and reading what it shows."""

import json
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_page(page: str, **query: str) -> AppTest:
    """The app, navigated to app_pages/{page}.py with the given link parameters, run without exceptions."""
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params.update(query)
    app.run()
    app.switch_page(f"app_pages/{page}.py")
    app.run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label_start: str) -> str:
    return next(m.value for m in app.metric if m.label.startswith(label_start))


def shown(value, digits: int = 6) -> str:
    """A number as the pages print it: ``digits`` significant digits."""
    return f"{float(value.detach() if isinstance(value, torch.Tensor) else value):.{digits}g}"


def charts(app: AppTest) -> dict[str, dict]:
    """The page's charts by key: each one's plotly figure (as the browser receives it) and its alt text."""
    shown = {}
    for element in app.get("bidi_component"):
        if element.proto.component_name.endswith("live_chart"):
            data = json.loads(element.proto.json)
            shown[element.proto.id.rsplit("-", 1)[-1]] = {"figure": json.loads(data["figure"]), "alt": data["alt"]}
    return shown


def panel(app: AppTest, key: str, name: str | None = None) -> tuple[dict, dict, int]:
    """A live panel's table as the browser receives it (ui/live_panel.py): its meta, its columns and the position it
    opens at, in the section of its slider ``key`` (the panel named ``name``, where a page has several)."""
    from lib.view.panel_data import decode_panel

    element = next(
        e
        for e in app.get("bidi_component")
        if e.proto.component_name.endswith("live_panel") and (name is None or e.proto.id.endswith(name))
    )
    meta, columns = decode_panel(element.proto.bytes)
    slider = next(s for s in meta["sliders"] if s["key"] == key)
    own = columns[slider["column"]][slider["offset"] : slider["offset"] + slider["size"]]
    position = slider["offset"] + int(abs(own - slider["start"]).argmin())
    return meta, columns, position


def panel_bytes(app: AppTest, name: str | None = None) -> bytes:
    """The bytes a live panel (the one named ``name``, where a page has several) receives."""
    return next(
        e.proto.bytes
        for e in app.get("bidi_component")
        if e.proto.component_name.endswith("live_panel") and (name is None or e.proto.id.endswith(name))
    )


def panel_shows(app: AppTest, key: str, column: str, digits: int = 6, name: str | None = None) -> str:
    """What the live panel shows for ``column`` at the position it opens at, as the browser formats it."""
    _, columns, position = panel(app, key, name)
    return f"{float(columns[column][position]):.{digits}g}"


def panel_metric(app: AppTest, key: str, label: str, name: str | None = None) -> str:
    """The number a live panel shows under the metric whose label starts with ``label``, where it opens."""
    import html
    import re

    meta, columns, position = panel(app, key, name)
    label_html = re.escape(html.escape(label))
    found = re.search(
        rf'lp-metric-label">{label_html}[^<]*</div><div class="lp-metric-value"><span data-col="(\w+)" '
        r'data-digits="(\d+)"',
        meta["body"],
    )
    assert found, f"no metric {label!r} in the panel"
    return f"{float(columns[found[1]][position]):.{int(found[2])}g}"


def row_agrees(meta: dict, columns: dict, row: dict, position: int) -> bool:
    """Whether an agreement row of a live panel shows "agrees" at ``position``: it has no reason to differ there."""
    return row["id"] == "reference" or columns[row["reason"]][position] == meta["agreement"]["agrees"]
