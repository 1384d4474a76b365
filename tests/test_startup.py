"""What a command loads before it works (issue 13: `irrkit demo` < 1 s, `--help` < 0.3 s), and that the shortcuts
behind it give what the long way gives: option values as Typer's own (pydantic) coercion makes them, errors in
Typer's words; pandas.factorize without pandas for small inputs; the records table built when first asked for."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from irrkit.cli import coercion
from irrkit.cli.main import app
from irrkit.readers.factorize import factorize

ROOT = Path(__file__).resolve().parents[1]


def _loaded_after(args: list[str]) -> tuple[set[str], subprocess.CompletedProcess]:
    code = ("import sys\nfrom cli.main import app\ntry:\n    app(" + repr(args) + ")\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('LOADED=' + ','.join(sorted({m.split('.')[0] for m in sys.modules})))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    line = done.stderr[done.stderr.rindex("LOADED="):].split("=", 1)[1]
    return set(line.split(",")), done


def test_the_demo_loads_no_pandas_scipy_or_pydantic(tmp_path: Path) -> None:
    loaded, done = _loaded_after(["demo", "--out", str(tmp_path), "--format", "json"])
    assert not loaded & {"pandas", "scipy", "pydantic", "matplotlib"}, loaded
    assert '"fleiss_kappa"' in done.stdout  # it did compute and write
    assert (tmp_path / "interventions" / "coders.csv").read_text().startswith("item,coder,")


def test_help_loads_no_numpy_or_pydantic() -> None:
    loaded, done = _loaded_after(["--help"])
    assert "check" in done.stdout
    assert not loaded & {"numpy", "pandas", "pydantic"}, loaded


def test_help_loads_no_file_writer_hashing_or_analysis() -> None:
    """--help imports what it renders (issue 22: < 0.2 s): not the all-or-nothing writer (json, secrets,
    threading), hashlib, the workflows, readers or statistics."""
    code = ("import sys\nfrom cli.main import run\nsys.argv = ['irrkit', '--help']\ntry:\n    run()\n"
            "except SystemExit:\n    pass\nsys.stderr.write('LOADED=' + ','.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    loaded = set(done.stderr[done.stderr.rindex("LOADED="):].split("=", 1)[1].split(","))
    assert "check" in done.stdout
    assert not loaded & {"irrkit.outputs.files", "hashlib", "secrets", "json"}, loaded
    assert not {m for m in loaded if m.startswith(("irrkit.workflows", "irrkit.readers", "irrkit.statistics",
                                                     "irrkit.analysis", "irrkit.codebooks"))}


@pytest.mark.parametrize("module", ["main", "options", "training", "plan", "report", "video", "model", "compare"])
def test_command_modules_annotate_without_strings(module: str) -> None:
    """Typer reads every command's annotations to build --help: as strings (``from __future__ import
    annotations``) each is compiled and evaluated again at every start, about 15 ms in all."""
    text = (ROOT / "cli" / f"{module}.py").read_text()
    assert "from __future__ import annotations" not in text


class Colour(str, Enum):
    red = "red"
    light_blue = "light-blue"


def _typer_value(annotation, value, **option):
    """The value Typer's own coercion (a pydantic TypeAdapter) gives, or its error message."""
    from typer._coercion import build_runtime_param, resolve_type_descriptor
    from typer.models import OptionInfo

    info = OptionInfo(**option)
    rp = build_runtime_param(resolve_type_descriptor(annotation, info))
    return info, rp


@pytest.mark.parametrize(("annotation", "value", "option"), [
    (int, "12", {}), (int, "-3", {}), (int, "+7", {}), (int, "007", {}), (int, 5, {}), (int, "5", {"min": 0}),
    (float, "0.9", {}), (float, "1e-3", {}), (float, ".5", {}), (float, "-2.", {}), (float, 0.95, {}),
    (float, "0.5", {"min": 0.0, "max": 0.95}), (str, "abc", {}), (str, "", {}), (Colour, "red", {}),
    (Colour, "light-blue", {}), (Colour, Colour.red, {}), (Path, "some/file.csv", {}), (Path, Path("x"), {}),
    (list[str], ("a", "b"), {}), (list[Path], ("a.csv", "b.csv"), {}), (bool, True, {}),
])
def test_quick_values_are_typer_values(annotation, value, option) -> None:
    info, typer_rp = _typer_value(annotation, value, **option)
    got = coercion.quick_value(value, annotation, info, None, typer.Context(typer.main.get_command(app)))
    want = typer_rp._coerce_value(value, param=None, ctx=None)
    assert got is not coercion._NO
    assert type(got) is type(want) and got == want
    if isinstance(want, list):
        assert [type(v) for v in got] == [type(v) for v in want]


@pytest.mark.parametrize(("annotation", "value", "option"), [
    (int, "1.5", {}), (int, "abc", {}), (int, "-1", {"min": 0}), (int, "1_000", {}), (float, "nan", {}),
    (float, "abc", {}), (float, "0.99", {"max": 0.95}), (float, 1, {}), (Colour, "Red", {}), (Colour, "blue", {}),
    (int, "5", {"clamp": True, "min": 0, "max": 3}), (list[int], ("1", "x"), {}), (Path, "", {}),
])
def test_anything_else_is_left_to_typer(annotation, value, option) -> None:
    info, _ = _typer_value(annotation, value, **option)
    ctx = typer.Context(typer.main.get_command(app))
    assert coercion.quick_value(value, annotation, info, None, ctx) is coercion._NO


def test_bad_values_keep_typers_messages() -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["compute", "x.csv", "--bootstrap", "-1"])
    assert bad.exit_code == 2 and "greater than or equal to 0" in bad.output
    bad = runner.invoke(app, ["compute", "x.csv", "--format", "xml"])
    assert bad.exit_code == 2 and "'xml' is not one of" in bad.output
    bad = runner.invoke(app, ["compute", "x.csv", "--bootstrap", "many"])
    assert bad.exit_code == 2 and "Invalid value for '--bootstrap'" in bad.output and "valid integer" in bad.output


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["u1", "u2", "", " a", "ä", "b", "1", "01", "u10"]) | st.text(max_size=4),
                max_size=60))
def test_factorize_without_pandas_is_pandas_factorize(cells: list[str]) -> None:
    arr = np.array(cells, dtype=object)
    codes, uniq = _dict_factorize(arr)  # the dict path (pandas is loaded here)
    want_codes, want_uniq = pd.factorize(arr)
    assert codes.dtype == np.int64 and codes.tolist() == want_codes.tolist()
    assert uniq.dtype == object and uniq.tolist() == list(want_uniq)


def _dict_factorize(arr: np.ndarray):
    saved = sys.modules.pop("pandas")
    try:
        return factorize(arr)
    finally:
        sys.modules["pandas"] = saved


def test_factorize_of_integer_keys() -> None:
    key = np.array([7, 3, 7, 100, 3, 0], dtype=np.int64)
    codes, uniq = _dict_factorize(key)
    assert codes.tolist() == [0, 1, 0, 2, 1, 3] and uniq.tolist() == [7, 3, 100, 0]


def test_records_are_built_when_asked_for(tmp_path: Path) -> None:
    from irrkit.codebooks.codebook import load_codebook
    from irrkit.readers import read_coder_files

    (tmp_path / "cb.yaml").write_text("id: t\nunit_column: unit\nitems:\n  - id: form\n    level: nominal\n"
                                      "    categories: [a, b]\n")
    (tmp_path / "anna.csv").write_text("unit,form,note\nu1,a,x\nu2,b,\n")
    (tmp_path / "ben.csv").write_text("unit,form\nu2,a\nu1,a\n")
    rs = read_coder_files([tmp_path / "anna.csv", tmp_path / "ben.csv"], load_codebook(tmp_path / "cb.yaml"))
    assert "records" not in rs.__dict__  # nothing built yet
    rec = rs.records
    assert rec is rs.records  # built once
    assert rec.to_dict("records") == [
        {"unit": "u1", "coder": "anna", "item": "form", "code": "a", "value": 1.0, "file": str(tmp_path / "anna.csv"),
         "line": 2, "note": "x"},
        {"unit": "u2", "coder": "anna", "item": "form", "code": "b", "value": 2.0, "file": str(tmp_path / "anna.csv"),
         "line": 3, "note": ""},
        {"unit": "u2", "coder": "ben", "item": "form", "code": "a", "value": 1.0, "file": str(tmp_path / "ben.csv"),
         "line": 2, "note": ""},
        {"unit": "u1", "coder": "ben", "item": "form", "code": "a", "value": 1.0, "file": str(tmp_path / "ben.csv"),
         "line": 3, "note": ""}]


def _help(stand_ins: bool) -> tuple[str, set[str]]:
    code = ("import sys\n" + ("from cli.help_import import load\nload()\n" if stand_ins else "") +
            "from cli.main import app\ntry:\n    app(['check', '--help'])\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('LOADED=' + ','.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**__import__("os").environ, "COLUMNS": "100", "TERM": "dumb"})
    return done.stdout, set(done.stderr[done.stderr.rindex("LOADED="):].split("=", 1)[1].split(","))


def test_help_reads_the_same_without_rich_markdown() -> None:
    light, loaded = _help(True)
    full, loaded_full = _help(False)
    assert light == full and "--codebook" in light
    assert "rich.markdown" not in loaded and "rich.traceback" not in loaded
    assert "rich.markdown" in loaded_full  # what the stand-ins spare


def test_stand_ins_become_the_real_classes() -> None:
    code = ("from cli.help_import import load\nload()\nimport typer.rich_utils as ru\n"
            "import rich.markdown, rich.traceback\n"
            "m = ru.Markdown('# x')\nassert type(m) is rich.markdown.Markdown and isinstance(m, ru.Markdown)\n"
            "assert ru.Traceback.from_exception == rich.traceback.Traceback.from_exception\nprint('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.stdout.strip() == "ok", done.stderr[-800:]


def test_compute_loads_what_it_uses(tmp_path: Path) -> None:
    """`irrkit compute --level interval -f json` (issue 22: within 2x of Python + NumPy's start): not the other
    commands' modules (a run registers only its command), not the terminal tables (rich.table; notes need only
    the console), not pandas, scipy, pydantic, yaml, the report or the temporary-name hashing (secrets), not
    numpy.ma (np.unique's first call loads it: statistics.counting.unique), not the coder-file, Excel or SPSS
    readers."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4)).round(3)
    (tmp_path / "c.csv").write_text("unit,a,b,c,d\n" + "".join(f"{i}," + ",".join(map(repr, r.tolist())) + "\n"
                                                              for i, r in enumerate(x)))
    code = ("import sys\nfrom cli.main import run\nsys.argv = ['irrkit', 'compute', " + repr(str(tmp_path / "c.csv")) +
            ", '--level', 'interval', '-f', 'json']\ntry:\n    run()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write('LOADED=' + ','.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    loaded = set(done.stderr[done.stderr.rindex("LOADED="):].split("=", 1)[1].split(","))
    assert '"icc2"' in done.stdout and '"ratings"' in done.stdout  # it did compute
    assert not loaded & {"pandas", "scipy", "pydantic", "yaml", "matplotlib", "secrets", "rich.table",
                         "rich.markdown", "rich.progress", "rich._emoji_codes", "irrkit.cli.render",
                         "irrkit.outputs.html", "numpy.ma", "irrkit.readers.records", "irrkit.readers.excel",
                         "irrkit.readers.spss"}, loaded
    others = {f"irrkit.cli.{m}" for m in ("training", "model", "video", "plan", "report", "compare", "gates",
                                           "problems", "demo")}
    assert not loaded & others, loaded & others


def test_a_run_builds_only_its_command() -> None:
    """Typer builds the options of every registered command at each start: a run registers the one it calls,
    and its help reads as the whole app's."""
    from irrkit.cli import main

    assert [c.name for c in main.build("compute").registered_commands] == ["compute"]
    assert [c.name for c in main.app.registered_commands] == [c[0] for c in main.COMMANDS]
    assert [g.name for g in main.app.registered_groups] == ["codebook"]
    runner = CliRunner()
    for args in (["compute", "--help"], ["codebook", "show", "--help"], ["train", "--help"]):
        lean = runner.invoke(main.build(args[0]), args, env={"COLUMNS": "100"})
        full = runner.invoke(main.app, args, env={"COLUMNS": "100"})
        assert lean.exit_code == full.exit_code == 0 and lean.output == full.output and "Usage" in lean.output


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 1.5, -2.0, 3.0, float("nan"), 1e308, -1e-310]) | st.floats(), max_size=40),
       st.lists(st.integers(-2**62, 2**62), max_size=40))
def test_unique_without_numpy_ma_is_np_unique(floats: list[float], ints: list[int]) -> None:
    """statistics.counting.unique: np.unique's values to the bit (-0.0 against 0.0, NaN), which without return_counts
    imports numpy.ma on its first call (NumPy >= 2.3)."""
    from irrkit.statistics.counting import unique as _unique

    for arr in (np.array(floats, dtype=float), np.array(ints, dtype=np.int64)):
        got, want = _unique(arr), np.unique(arr)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_diagnostics_show_values_as_written_not_as_emoji(tmp_path: Path) -> None:
    """A cell ':x:' is named ':x:' in the error line (rich's emoji codes made it '❌'), file names too."""
    (tmp_path / "e.csv").write_text("unit,a,b\n1,:x:,2\n2,3,:smile:\n")
    bad = CliRunner().invoke(app, ["compute", str(tmp_path / "e.csv"), "--level", "interval"])
    assert bad.exit_code == 2
    assert "value ':x:' is not a number" in bad.output and "':smile:'" in bad.output and "❌" not in bad.output
    gone = CliRunner().invoke(app, ["compute", str(tmp_path / ":x:.csv")])
    assert gone.exit_code == 2 and ":x:.csv" in gone.output and "❌" not in gone.output
