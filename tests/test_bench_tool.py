"""The bench's own arithmetic: the scales it compares and the goals it says are met or missed."""

import argparse

import pytest

from bench.pages import PAGES
from bench.run import BASELINE, Target, goals_missed, page_names, parse_args, scale_ratios, scales_list


def test_compare_scales_takes_two_or_more_different_scales_and_benches_the_largest():
    assert scales_list("10,1") == [1, 10]
    args = parse_args(["--compare-scales", "1,10", "--database", "makerlab_bench_bd"])
    assert args.scale == 10
    assert args.database == "makerlab_bench_bd"


@pytest.mark.parametrize("text", ["1", "1,1", "0,10", "a,b", "1;10", ""])
def test_compare_scales_refuses_what_it_cannot_compare(text):
    with pytest.raises(argparse.ArgumentTypeError):
        scales_list(text)


def test_a_database_name_with_other_characters_is_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--database", 'bench"; DROP DATABASE x; --'])
    assert "letters, digits and underscores" in capsys.readouterr().err


def test_pages_restricts_the_run_to_registered_pages_named_once_each():
    args = parse_args(["--pages", "staff_programs, seed_desk_lend,staff_programs"])
    assert args.pages == ["staff_programs", "seed_desk_lend"]
    assert parse_args([]).pages is None
    assert {page.name for page in PAGES} >= set(args.pages)


@pytest.mark.parametrize("text", ["", ",", "staff_programz", "staff_programs,nope", BASELINE])
def test_pages_refuses_a_name_no_page_has(text):
    with pytest.raises(argparse.ArgumentTypeError):
        page_names(text)


def test_an_unknown_page_is_refused_with_the_names_to_choose_from(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--pages", "staff_programz"])
    error = capsys.readouterr().err
    assert "no page named staff_programz" in error
    assert "staff_programs" in error


def test_scale_ratio_is_the_largest_scale_over_the_smallest():
    assert scale_ratios({1: {"home": 2.0, "feed": 4.0}, 10: {"home": 2.2, "feed": 8.0}}) == {"home": 1.1, "feed": 2.0}


def test_scale_ratio_takes_out_the_drift_the_baseline_shows():
    """The second pass ran on a machine a third slower: the baseline says so, and a page slower by just as much
    did not grow with the data; the raw ratio keeps the drift."""
    by_scale = {1: {BASELINE: 0.75, "home": 0.6, "feed": 0.6}, 10: {BASELINE: 1.0, "home": 0.8, "feed": 1.6}}
    assert scale_ratios(by_scale) == {BASELINE: 1.0, "home": 1.0, "feed": 2.0}
    assert scale_ratios(by_scale, raw=True) == {BASELINE: 1.33, "home": 1.33, "feed": 2.67}


def test_each_goal_is_checked_for_its_kind_of_page():
    public = Target("home", "/")
    staff = Target("desk", "/staff/desk/", cookie="sessionid=x")
    dashboard = Target("stats_dashboard", "/staff/stats/", cookie="sessionid=x", inproc_goal_ms=30.0)

    assert goals_missed(public, rps_vs_baseline=1.0, inproc_ms=1.0, scale_ratio=1.2) == []
    assert goals_missed(public, rps_vs_baseline=0.9, inproc_ms=1.0, scale_ratio=None) == ["req/s 0.90x < 1.0x"]
    assert goals_missed(staff, rps_vs_baseline=0.3, inproc_ms=99.0, scale_ratio=None) == []
    assert goals_missed(staff, rps_vs_baseline=0.3, inproc_ms=1.0, scale_ratio=1.3) == ["scale ratio 1.30 > 1.2"]
    assert goals_missed(dashboard, rps_vs_baseline=0.5, inproc_ms=31.0, scale_ratio=None) == [
        "in-process 31.0 ms > 30 ms"
    ]
    assert goals_missed(Target(BASELINE, "/bench/baseline/"), rps_vs_baseline=1.0, inproc_ms=9, scale_ratio=9) == []


def test_the_table_shows_the_rendered_figures_beside_the_cached_ones_and_a_dash_where_none_was_taken():
    from bench.run import Result, table

    timed = Result("home", 0, 5.0, 7.0, 1400.0, 1.2, 0.5, 1.0, True, [], 1.0, 6.25, 1.31)
    untimed = Result("display", 0, 5.0, 7.0, 1400.0, 1.2, 0.5, None, True, [])
    lines = table([timed, untimed]).splitlines()

    assert "rendered ms" in lines[0] and "rendered ratio" in lines[0]
    assert "6.25" in lines[2] and "1.31" in lines[2] and lines[2].endswith("met")
    assert lines[3].split()[-4:] == ["-", "-", "-", "met"]


def test_each_page_is_measured_right_after_a_turn_of_the_baseline_and_compared_with_those_turns():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bench.run import measure

    asked: list[str] = []

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        args = parse_args(["--requests", "6", "--rounds", "2", "--warmup", "0", "--concurrency", "1"])
        targets = [Target(BASELINE, "/base"), Target("home", "/home"), Target("feed", "/feed")]
        loads, beside = measure(targets, args=args, port=server.server_address[1])
    finally:
        server.shutdown()

    turns = ["/base"] * 3 + ["/home"] * 3 + ["/base"] * 3 + ["/feed"] * 3
    assert asked == turns * 2
    assert [len(load.latencies) for load in loads] == [12, 6, 6]
    assert [len(load.latencies) for load in beside] == [12, 6, 6]
    assert beside[0] is loads[0]


def test_the_ratio_to_the_baseline_is_the_median_of_the_rounds_so_one_hiccup_does_not_decide_it():
    from bench.run import Load

    def load(*turns: float) -> Load:
        return Load(latencies=[0.001] * len(turns), elapsed=sum(1 / turn for turn in turns), turns=turns)

    baseline = load(1000.0, 1000.0, 1000.0, 1000.0, 1000.0)
    page = load(1200.0, 1150.0, 400.0, 1250.0, 1200.0)  # the machine stalled during the third turn

    assert page.ratio_to(baseline) == 1.2
    assert baseline.ratio_to(baseline) == 1.0
    assert load(1200.0).ratio_to(baseline) == 1.2  # turns that do not pair: all requests over all time
