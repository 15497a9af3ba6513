import io
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from stats.charts import bar_chart_svg, format_value, line_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Nov 2025", "Dec 2025", "Jan 2026", "Feb 2026"]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def _texts(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


def test_line_chart_is_an_accessible_image_with_a_title_and_a_description():
    svg = line_chart_svg(
        title="Sessions attended", labels=MONTHS, series=[("Sessions", [10, 12, None, 31])], unit="count"
    )
    root = _parse(svg)
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.text == "Sessions attended"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "From Nov 2025 to Feb 2026" in desc.text
    assert "31 in Feb 2026; highest 31 in Feb 2026" in desc.text


def test_line_chart_prints_every_value_and_month_and_breaks_the_line_at_a_gap():
    svg = line_chart_svg(
        title="Sessions attended", labels=MONTHS, series=[("Sessions", [10, 12, None, 31])], unit="count"
    )
    root = _parse(svg)
    texts = _texts(root)
    for label in MONTHS:
        assert label in texts
    for value in ("10", "12", "31"):
        assert value in texts
    assert "Number" in texts
    # The missing month splits the line in two: only the first two points are joined.
    polylines = list(root.iter(f"{SVG}polyline"))
    assert len(polylines) == 1
    assert len(polylines[0].get("points").split()) == 2


def test_several_series_differ_by_dash_and_marker_and_have_a_legend():
    svg = line_chart_svg(
        title="Outcomes",
        labels=MONTHS,
        series=[("Learned", [80, 90, 85, 88.5]), ("Confident", [70, 75, 72, 74])],
        unit="percent",
    )
    root = _parse(svg)
    polylines = list(root.iter(f"{SVG}polyline"))
    assert {p.get("stroke-dasharray") for p in polylines} == {None, "8 4"}
    # Four points of the first series and its legend entry; the second series uses squares.
    assert len(list(root.iter(f"{SVG}circle"))) == 5
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill") == "#8a4b00"]) == 5
    texts = _texts(root)
    assert "Learned" in texts and "Confident" in texts
    assert "88.5%" in texts and "100%" in texts


def test_no_inline_styles_anywhere():
    line = line_chart_svg(title="A", labels=MONTHS, series=[("x", [1, 2, 3, 4])], unit="count")
    bar = bar_chart_svg(title="B", rows=[("3D printer", 42.5)], unit="percent")
    for svg in (line, bar):
        root = _parse(svg)
        assert root.find(f".//{SVG}style") is None
        assert all("style" not in element.attrib for element in root.iter())


def test_labels_are_escaped_so_hostile_text_stays_text():
    svg = bar_chart_svg(title="<script>x</script>", rows=[('Tom & "Jerry" <b>', 3)], unit="count")
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == "<script>x</script>"
    assert root.find(f".//{SVG}script") is None
    assert 'Tom & "Jerry" <b>' in _texts(root)


def test_bar_chart_draws_one_bar_per_row_scaled_to_the_largest():
    svg = bar_chart_svg(title="Use of each machine", rows=[("3D printer", 50), ("Laser cutter", 100)], unit="count")
    root = _parse(svg)
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("fill") == "#1d4e5f"]
    assert len(bars) == 2
    assert float(bars[1].get("width")) == pytest.approx(2 * float(bars[0].get("width")))
    assert "3D printer: 50; Laser cutter: 100." in root.find(f"{SVG}desc").text
    assert {"50", "100"} <= set(_texts(root))


def test_empty_charts_say_so():
    line = _parse(line_chart_svg(title="Nothing", labels=[], series=[], unit="count"))
    bar = _parse(bar_chart_svg(title="Nothing", rows=[], unit="count"))
    assert line.find(f"{SVG}desc").text == "No data to show."
    assert "No data to show." in _texts(bar)


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(None, "count", "no data"), (1234, "count", "1,234"), (12.345, "percent", "12.3%"), (7.0, "hours", "7")],
)
def test_values_read_as_people_write_them(value, unit, shown):
    assert format_value(value, unit) == shown


def test_both_charts_render_to_pdf_with_weasyprint():
    import weasyprint

    line = line_chart_svg(
        title="Sessions attended", labels=MONTHS, series=[("Sessions", [10, 12, 9, 31])], unit="count"
    )
    bar = bar_chart_svg(title="Use of each machine", rows=[("3D printer", 42)], unit="percent")
    html = f"<html><body><h1>Report</h1>{line}{bar}</body></html>"
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Sessions attended" in text
    assert "Feb 2026" in text
    assert "3D printer" in text


def test_count_axis_has_round_whole_number_steps():
    root = _parse(line_chart_svg(title="A", labels=MONTHS, series=[("x", [3, 45, 7, 9])], unit="count"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end" and not t.get("transform")]
    assert ticks == ["0", "20", "40", "60"]


def test_the_month_so_far_label_is_drawn_whole_under_the_chart():
    """The last label, "Dec 2026 (so far)", turned 35 degrees, reaches down about 0.57 of its length: the chart
    is tall enough for it at 7 px a character (11 px text), and wide enough on the left for the first label."""
    labels = [*MONTHS, "Mar 2026", "Apr 2026 (so far)"]
    root = _parse(line_chart_svg(title="Sessions attended", labels=labels, series=[("S", [1] * 6)], unit="count"))
    height = float(root.get("height"))
    for element in root.iter(f"{SVG}text"):
        if element.text in labels:
            reach = len(element.text) * 7
            assert float(element.get("y")) + reach * 0.574 <= height, element.text
            assert float(element.get("x")) - reach * 0.819 >= 0, element.text
