"""The comparison's plots tell every series apart (issue 20 item 4), read from the drawn matplotlib artists:
the credanchor gas line lay exactly under the hash-registry line and could not be seen."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from matplotlib.colors import to_hex

from anchor.chain.adapter import Chain
from anchor.comparison.compare import MODE_NAMES, MODES, run_comparison
from anchor.comparison.report import (
    PRIVACY_FIGURES,
    coincidence_note,
    coincident_series,
    gas_figure,
    gas_series,
    observer_figure,
    privacy_figure,
    write_outputs,
)


@pytest.fixture(scope="module")
def comparison() -> dict[str, Any]:
    return run_comparison(Chain.embedded(), learners=4, per_learner=3).to_dict()


def lines_by_mode(figure: Any) -> dict[str, Any]:
    (axes,) = figure.axes
    return {line.get_gid().removeprefix("gas-"): line for line in axes.get_lines()}


def test_each_gas_series_is_drawn_with_its_measured_points_and_label(comparison):
    lines = lines_by_mode(gas_figure(comparison))
    assert sorted(lines) == sorted(MODES)
    for mode, points in gas_series(comparison).items():
        line = lines[mode]
        assert list(zip(line.get_xdata(), line.get_ydata(), strict=True)) == points
        assert line.get_label() == MODE_NAMES[mode]
    legend = [text.get_text() for text in gas_figure(comparison).axes[0].get_legend().get_texts()]
    assert legend == [MODE_NAMES[mode] for mode in lines]


def test_every_gas_series_differs_in_marker_line_style_and_colour(comparison):
    lines = list(lines_by_mode(gas_figure(comparison)).values())
    for attribute in ("get_marker", "get_linestyle", "get_color"):
        drawn = [getattr(line, attribute)() for line in lines]
        assert len(set(drawn)) == len(lines), (attribute, drawn)
    # Where two lines lie on each other, the one beneath shows around the one on top: larger and hollow.
    lines_ = lines_by_mode(gas_figure(comparison))
    assert lines_["vc"].get_markersize() > lines_["hash"].get_markersize()
    assert lines_["vc"].get_markerfacecolor() == "none"


def test_coinciding_lines_are_named_in_a_note_on_the_figure_and_in_the_report(comparison, tmp_path):
    # The measured case: anchoring a root and the hash registry's issue cost within 1% of each other.
    vc, hashed = dict(gas_series(comparison)["vc"]), dict(gas_series(comparison)["hash"])
    assert all(abs(vc[x] - hashed[x]) / vc[x] < 0.01 for x in vc)
    assert [(a, b) for a, b, _ in coincident_series(gas_series(comparison))] == [("vc", "hash")]
    figure = gas_figure(comparison)
    (note,) = [text for text in figure.texts if text.get_gid() == "coincidence-note"]
    said = note.get_text().replace("\n", " ")
    assert said == coincidence_note(comparison)
    assert said.startswith("Note: credanchor and the hash registry differ by at most 0.")
    assert "credanchor: large hollow circles on a solid line; the hash registry: triangles on a dashed line" in said
    html = write_outputs(comparison, tmp_path)["report"].read_text(encoding="utf-8")
    assert "<p class=note>Note: credanchor and the hash registry differ" in html


def test_no_note_when_no_series_coincide(comparison):
    apart = copy.deepcopy(comparison)
    apart["gas_per_credential_by_batch_size"]["hash"] = {
        size: gas * 1.5 for size, gas in comparison["gas_per_credential_by_batch_size"]["hash"].items()
    }
    assert coincident_series(gas_series(apart)) == [] and coincidence_note(apart) == ""
    assert [text for text in gas_figure(apart).texts if text.get_gid() == "coincidence-note"] == []


def test_privacy_bars_are_told_apart_by_place_hatch_colour_and_count_label(comparison):
    (axes,) = privacy_figure(comparison).axes
    containers = {container.get_label(): container for container in axes.containers}
    assert sorted(containers) == sorted(MODE_NAMES[mode] for mode in MODES)
    hatches, colours, positions = set(), set(), set()
    for mode in MODES:
        bars = containers[MODE_NAMES[mode]].patches
        assert [bar.get_height() for bar in bars] == [observer_figure(comparison, mode, n) for n, _ in PRIVACY_FIGURES]
        hatches.add(bars[0].get_hatch() or "")
        colours.add(to_hex(bars[0].get_facecolor()))
        positions |= {round(bar.get_x(), 6) for bar in bars}
    assert len(hatches) == len(colours) == len(MODES)
    assert len(positions) == len(MODES) * len(PRIVACY_FIGURES)  # no two bars share a place
    labels = [text.get_text() for text in axes.texts]  # every bar carries its count, zeros included
    assert len(labels) == len(MODES) * len(PRIVACY_FIGURES)
    expected = sorted(str(observer_figure(comparison, m, n)) for m in MODES for n, _ in PRIVACY_FIGURES)
    assert sorted(labels) == expected
