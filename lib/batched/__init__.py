"""Large batches on any device: the engine (:mod:`~lib.batched.engine`), its ``torch.compile``-fused mean
(:mod:`~lib.batched.fused`), the one place a device is chosen (:mod:`~lib.batched.device`), and the per-device caps
and one-at-a-time heavy-work slot that keep a shared server responsive (:mod:`~lib.batched.limits`)."""
