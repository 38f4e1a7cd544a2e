"""Plain-data helpers for the pages, free of streamlit: plotly figures with their alt text
(:mod:`~lib.view.figures`), one colour per concept (:mod:`~lib.view.palette`), link parameters and their valid
values (:mod:`~lib.view.url_state`), and pasted text to arrays without ``eval`` (:mod:`~lib.view.parsing`)."""
