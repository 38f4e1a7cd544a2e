"""The numbers behind each lesson page: Sigmoid & BCE (:mod:`~lib.lessons.binary`), Softmax & cross-entropy
(:mod:`~lib.lessons.softmax`), soft targets, numerical stability, the exercises, and the *Copy as PyTorch* scripts
that reproduce what a page shows (:mod:`~lib.lessons.snippets`)."""
