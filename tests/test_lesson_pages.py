"""AppTest drives the two lesson pages: the numbers shown equal torch's, for every control."""

import pytest
import torch
import torch.nn.functional as F
from pages_helpers import metric, open_page, panel, panel_bytes, panel_metric, panel_shows, row_agrees, shown


def f64(*values):
    return torch.tensor(values, dtype=torch.float64)


# --- Sigmoid & BCE ---------------------------------------------------------------------------


def test_bce_page_opens_with_z_2_y_1_and_shows_torch_values():
    app = open_page("sigmoid_bce")
    assert panel_shows(app, "z", "p") == shown(torch.sigmoid(f64(2.0)))
    assert panel_shows(app, "z", "loss") == shown(F.binary_cross_entropy_with_logits(f64(2.0), f64(1.0)))


def test_bce_page_target_and_weights_change_every_number_of_the_panel():
    app = open_page("sigmoid_bce", z="-1.5")
    app.slider(key="y").set_value(0.3).run()
    app.slider(key="pw").set_value(2.5).run()
    app.slider(key="w").set_value(0.5).run()
    z, y = f64(-1.5).requires_grad_(), f64(0.3)
    loss = F.binary_cross_entropy_with_logits(z, y, weight=f64(0.5), pos_weight=f64(2.5))
    loss.backward()
    assert panel_shows(app, "z", "loss") == shown(loss)
    assert panel_shows(app, "z", "grad") == shown(z.grad)
    assert panel_shows(app, "z", "p") == shown(torch.sigmoid(f64(-1.5)))


def test_bce_page_panel_autograd_column_is_torch_autograd_in_the_chosen_dtype():
    app = open_page("sigmoid_bce", z="0.7", y="0.25", dtype="float16")
    z = torch.tensor(0.7, dtype=torch.float16, requires_grad=True)
    F.binary_cross_entropy_with_logits(z, torch.tensor(0.25, dtype=torch.float16)).backward()
    assert panel_shows(app, "z", "autograd") == shown(z.grad.double())


def test_bce_page_reopens_exactly_the_state_in_the_link():
    app = open_page("sigmoid_bce", z="-3.25", y="0.6", dtype="float64", pw="2")
    meta, columns, position = panel(app, "z")
    assert columns["grid"][position] == -3.25 and meta["sliders"][0]["start"] == -3.25
    assert app.slider(key="y").value == 0.6 and app.selectbox(key="dtype").value == "float64"
    expected = F.binary_cross_entropy_with_logits(f64(-3.25), f64(0.6), pos_weight=f64(2.0))
    assert panel_shows(app, "z", "loss") == shown(expected)


def test_bce_page_explains_the_float32_clamp_at_z_20_with_target_0():
    app = open_page("sigmoid_bce", wide="true", z="20", y="0")
    meta, columns, position = panel(app, "z")
    assert panel_shows(app, "z", "loss") == shown(F.binary_cross_entropy_with_logits(f64(20.0), f64(0.0)))
    rows = {row["id"]: row for row in meta["agreement"]["rows"]}
    bce_loss = rows["bceloss"]
    assert columns[bce_loss["value"]][position] == 100.0 and not row_agrees(meta, columns, bce_loss, position)
    reason = meta["agreement"]["reasons"][int(columns[bce_loss["reason"]][position])]
    assert "clamps the log at −100" in reason


def test_bce_page_agreement_table_lists_all_seven_implementations_agreeing_by_default():
    app = open_page("sigmoid_bce")
    meta, columns, position = panel(app, "z")
    rows = meta["agreement"]["rows"]
    assert len(rows) == 7
    assert all(row_agrees(meta, columns, row, position) for row in rows)


def test_bce_page_link_value_off_the_grid_opens_at_the_nearest_grid_logit():
    app = open_page("sigmoid_bce", z="3.456")
    _, columns, position = panel(app, "z")
    assert columns["grid"][position] == 3.46 and app.query_params["z"] == "3.46"


def test_bce_page_commit_updates_link_and_snippet_and_sends_the_panel_the_same_bytes():
    """A z committed from the browser reaches the link and Copy as PyTorch, while the panel's table stays byte for
    byte the same (so the browser leaves the panel alone)."""
    app = open_page("sigmoid_bce")
    before = panel_bytes(app)
    app.session_state["bce_panel"] = {"z": 2.5}
    app.run()
    assert panel_bytes(app) == before
    assert app.query_params["z"] == "2.5"
    assert any("torch.tensor(2.5, dtype=torch.float64" in code.value for code in app.code)


def test_bce_page_batch_mode_starts_from_the_notebook_preset_and_reduces():
    app = open_page("sigmoid_bce", mode="batch")
    z, y = f64(1.1, 2.2, 0.5, -1.1, -2.2), f64(1, 1, 0, 0, 0)
    assert metric(app, "loss") == shown(F.binary_cross_entropy_with_logits(z, y)) == "0.351783"
    app.radio(key="reduction").set_value("sum").run()
    assert metric(app, "loss") == shown(F.binary_cross_entropy_with_logits(z, y, reduction="sum"))
    per_row = next(frame.value for frame in app.dataframe if "ℓ" in frame.value.columns)
    assert list(per_row["logit z"]) == [1.1, 2.2, 0.5, -1.1, -2.2]


def test_bce_page_batch_rows_typed_by_the_user_are_used():
    app = open_page("sigmoid_bce", mode="batch")
    app.text_input(key="rows").input("3:0.5, -4:1").run()
    expected = F.binary_cross_entropy_with_logits(f64(3.0, -4.0), f64(0.5, 1.0))
    assert metric(app, "loss") == shown(expected)


@pytest.mark.parametrize("rows", ["abc", "1:2", "1:0.5,nan:1", "1;0", "", ":", "1e400:0"])
def test_bce_page_malformed_rows_give_a_message_and_the_preset(rows):
    app = open_page("sigmoid_bce", mode="batch", rows=rows)
    assert any("cannot be used" in e.value for e in app.error)
    assert metric(app, "loss") == "0.351783"


def test_invalid_link_values_fall_back_to_defaults_with_a_visible_note():
    app = open_page("sigmoid_bce", z="abc", y="7", dtype="float99", mode="sideways")
    note = next(w.value for w in app.warning if "fell back to defaults" in w.value)
    assert "z = 'abc'" in note and "y = '7'" in note and "float99" in note and "sideways" in note
    assert panel(app, "z")[0]["sliders"][0]["start"] == 2.0 and app.selectbox(key="dtype").value == "float32"


# --- Softmax & cross-entropy -----------------------------------------------------------------


def ce_row(app, row_id: str, key: str = "z0") -> tuple[float, bool, str]:
    """An agreement row of the softmax panel where it opens: its value, whether it agrees, and its reason."""
    meta, columns, position = panel(app, key)
    row = next(row for row in meta["agreement"]["rows"] if row["id"] == row_id)
    agrees = row_agrees(meta, columns, row, position)
    reason = "" if agrees else meta["agreement"]["reasons"][int(columns[row["reason"]][position])]
    return float(columns[row["value"]][position]), agrees, reason


def test_ce_page_opens_with_three_classes_and_target_0():
    app = open_page("softmax_ce")
    logits = f64(2.0, 1.0, 0.1)
    assert panel_metric(app, "z0", "loss ℓ") == shown(F.cross_entropy(logits[None], torch.tensor([0])))
    assert panel_metric(app, "z0", "log Σ exp") == shown(torch.logsumexp(logits, 0))
    meta, _, _ = panel(app, "z0")
    assert [slider["key"] for slider in meta["sliders"]] == ["z0", "z1", "z2"]


def test_ce_page_committed_logit_and_temperature_update_the_loss():
    app = open_page("softmax_ce")
    app.session_state["ce_panel"] = {"z1": 3.0}
    app.run()
    assert app.query_params["z1"] == "3"
    app.slider(key="temp").set_value(2.0).run()
    expected = F.cross_entropy(f64(2.0, 3.0, 0.1)[None] / 2.0, torch.tensor([0]))
    assert panel_metric(app, "z0", "loss ℓ") == shown(expected)


def test_ce_page_committed_logit_sends_a_table_whose_every_section_holds_the_new_logit():
    app = open_page("softmax_ce")
    before = panel_bytes(app)
    app.session_state["ce_panel"] = {"z2": -1.5}
    app.run()
    assert panel_bytes(app) != before
    meta, columns, _ = panel(app, "z0")
    z0_section = slice(meta["sliders"][0]["offset"], meta["sliders"][0]["offset"] + meta["sliders"][0]["size"])
    assert set(columns["z_2"][z0_section]) == {-1.5} and meta["sliders"][2]["start"] == -1.5
    assert any("torch.tensor([[2.0, 1.0, -1.5]]" in code.value for code in app.code)


def test_ce_page_each_logit_section_gives_torchs_loss_at_every_position():
    app = open_page("softmax_ce", k="4", cls="2", temp="1.5")
    meta, columns, _ = panel(app, "z0")
    for slider in meta["sliders"]:
        section = slice(slider["offset"], slider["offset"] + slider["size"])
        z = torch.stack([torch.tensor(columns[f"z_{c}"][section]) for c in range(4)], dim=1)
        expected = F.cross_entropy(z / 1.5, torch.full((z.shape[0],), 2), reduction="none").numpy()
        assert list(columns["loss"][section]) == pytest.approx(list(expected), rel=1e-12)


def test_ce_page_soft_target_is_normalised_and_matches_torch_probabilities():
    app = open_page("softmax_ce", target="soft", t0="0.2", t1="0.6", t2="0.2")
    expected = F.cross_entropy(f64(2.0, 1.0, 0.1)[None], f64(0.2, 0.6, 0.2)[None])
    assert panel_metric(app, "z0", "loss ℓ") == shown(expected)


def test_ce_page_label_smoothing_and_class_weights_match_torch():
    app = open_page("softmax_ce", eps="0.2", weighted="true", w0="3", cls="1", reduction="sum")
    expected = F.cross_entropy(
        f64(2.0, 1.0, 0.1)[None], torch.tensor([1]), weight=f64(3.0, 1.0, 1.0), label_smoothing=0.2, reduction="sum"
    )
    assert panel_metric(app, "z0", "loss ℓ") == shown(expected)


def test_ce_page_ignored_target_gives_nan_for_mean_and_says_why():
    app = open_page("softmax_ce", target="ignored")
    assert panel_metric(app, "z0", "loss ℓ") == "nan"
    assert "0/0 = nan" in panel(app, "z0")[0]["body"]


def test_ce_page_with_two_classes_shows_the_bridge_to_bce_with_numbers():
    app = open_page("softmax_ce", k="2", z0="0.5", z1="-1.25")
    meta, columns, position = panel(app, "z0")
    assert "bridge" in meta["body"]
    assert shown(columns["bridge"][position]) == shown(torch.sigmoid(f64(-1.75))) == shown(columns["q_1"][position])
    assert ce_row(app, "bce_two_class")[1]


def test_ce_page_reopens_exactly_the_state_in_the_link():
    app = open_page("softmax_ce", k="5", z4="-2.5", cls="4", dtype="bfloat16")
    meta, columns, position = panel(app, "z4")
    assert app.slider(key="k").value == 5 and meta["sliders"][4]["start"] == -2.5 and columns["z_4"][position] == -2.5
    expected = F.cross_entropy(f64(2.0, 1.0, 0.1, -0.5, -2.5)[None], torch.tensor([4]))
    assert panel_metric(app, "z4", "loss ℓ") == shown(expected)
    assert {row["dtype"] for row in meta["agreement"]["rows"]} == {"float64", "bfloat16"}


def test_ce_page_link_logit_off_the_grid_opens_at_the_nearest_grid_logit():
    app = open_page("softmax_ce", z1="1.234")
    _, columns, position = panel(app, "z1")
    assert columns["z_1"][position] == 1.25 and app.query_params["z1"] == "1.25"


def test_table_edits_are_applied_and_incomplete_new_rows_are_left_out():
    from ui.widgets import apply_table_edits

    rows = [[1.1, 1.0], [2.2, 1.0], [0.5, 0.0]]
    edits = {
        "edited_rows": {0: {"logit z": -3.0}, 2: {"target y": 0.5}},
        "added_rows": [{"logit z": 4.0, "target y": 0.0}, {"logit z": 1.0}],
        "deleted_rows": [1],
    }
    assert apply_table_edits(rows, edits) == [[-3.0, 1.0], [0.5, 0.5], [4.0, 0.0]]


def test_bce_page_batch_mode_shows_the_editable_table_of_rows():
    app = open_page("sigmoid_bce", mode="batch", rows="3:0.5,-4:1")
    editors = [frame for frame in app.dataframe if frame.proto.editing_mode != frame.proto.EditingMode.READ_ONLY]
    assert not app.exception and len(editors) == 1
    assert editors[0].value.values.tolist() == [[3.0, 0.5], [-4.0, 1.0]]


def test_ce_page_smoothing_reason_for_a_soft_target_smooths_that_target_not_a_one_hot():
    app = open_page("softmax_ce", k="4", target="soft", t0="0.6", t1="0.3", t2="0.1", t3="0", eps="0.1")
    _, agrees, reason = ce_row(app, "ce_soft_by_hand")
    assert not agrees and "does no label smoothing" in reason
    assert "(1 − ε)·t + ε/C = 0.9·t + 0.025, here t̃ = (0.565, 0.295, 0.115, 0.025)" in reason
    assert "one-hot" not in reason


@pytest.mark.parametrize(
    ("page", "query", "key", "default"),
    [
        ("softmax_ce", {"z1": "abc"}, "z1", 1.0),
        ("softmax_ce", {"z0": "11"}, "z0", 2.0),
        ("soft_targets", {"p": "1"}, "p", 0.7),
    ],
)
def test_a_panel_slider_with_an_unusable_link_value_opens_at_its_default_with_the_note(page, query, key, default):
    app = open_page(page, **query)
    note = next(w.value for w in app.warning if "fell back to defaults" in w.value)
    assert f"{key} = '{query[key]}'" in note
    name = "soft_panel" if page == "soft_targets" else None
    meta, _, _ = panel(app, key, name)
    assert next(s for s in meta["sliders"] if s["key"] == key)["start"] == default
