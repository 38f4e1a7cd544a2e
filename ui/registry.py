"""Every page of the app, once: its file, title, icon, link path, section and the question it answers.

``app.py`` builds the navigation from this list and the home page draws one card per entry, so a page added here
appears in both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    """One page: where its script lives, how the navigation names it, and the question its home card asks."""

    script: str
    title: str
    icon: str
    url_path: str
    section: str
    question: str


HOME = PageEntry("app_pages/home.py", "Home", ":material/home:", "", "", "What Logit Lab answers, and where.")

PAGES = (
    PageEntry(
        "app_pages/sigmoid_bce.py",
        "Sigmoid & BCE",
        ":material/show_chart:",
        "sigmoid-bce",
        "Lessons",
        "How does one logit become a probability, and what do the two log terms of BCE do with it?",
    ),
    PageEntry(
        "app_pages/softmax_ce.py",
        "Softmax & cross-entropy",
        ":material/bar_chart:",
        "softmax-ce",
        "Lessons",
        "How do K logits compete, and why is cross-entropy log-sum-exp minus the target's logit?",
    ),
    PageEntry(
        "app_pages/soft_targets.py",
        "Soft targets",
        ":material/gradient:",
        "soft-targets",
        "Lessons",
        "Why does a VAE's BCE never reach zero on grey pixels, and what does reach zero?",
    ),
    PageEntry(
        "app_pages/stability.py",
        "Numerical stability",
        ":material/warning:",
        "stability",
        "Lessons",
        "Where do log(σ(z)) and softmax break in float16, bfloat16, float32 and float64, and what never breaks?",
    ),
    PageEntry(
        "app_pages/mismatch.py",
        "Mismatch debugger",
        ":material/bug_report:",
        "mismatch",
        "Tools",
        "My BCE gives 0.84 and my CE gives 0.92: why, and which single change makes them agree?",
    ),
    PageEntry(
        "app_pages/batched.py",
        "Batched lab",
        ":material/speed:",
        "batched",
        "Tools",
        "Over ten million logits, how far does each implementation stray in float16, and how fast is it on a GPU?",
    ),
    PageEntry(
        "app_pages/exercises.py",
        "Exercises",
        ":material/quiz:",
        "exercises",
        "Tools",
        "Which of twelve activation-and-loss wirings are right, which work but worse, which are wrong?",
    ),
)
"""The pages after Home, in navigation order."""
