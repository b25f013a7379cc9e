"""Operator mistakes are one line and a documented exit code, found before Prefect starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.exit_codes import FAILED, NOTHING_TO_DO, SITE_PROBLEM, USAGE
from flows.summary import RunSummary, add_crawl

runner = CliRunner()
SITE = (
    '[[site]]\nname = "heyang"\npublisher = "合阳县人民政府"\nregion_code = "610524"\n'
    'start_urls = ["http://127.0.0.1:9/heyang/"]\nallowed_domains = ["127.0.0.1"]\n'
)


def _sites(tmp_path: Path, text: str | bytes = SITE) -> Path:
    path = tmp_path / "sites.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _invoke(args: list[str], **env: str):
    return runner.invoke(app, args, env={"XXGK_MIN_FREE_MB": "1", **env})


def _one_error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: "), lines
    assert "Traceback" not in result.output
    return lines[0]


def test_missing_sites_file_is_one_line_exit_2(tmp_path):
    res = _invoke(["run", "--data-dir", str(tmp_path), "--sites-file", str(tmp_path / "no.toml")])
    assert res.exit_code == USAGE
    assert "does not exist" in _one_error_line(res)


def test_non_utf8_sites_file_is_one_line_exit_2(tmp_path):
    sites = _sites(tmp_path, SITE.replace("合阳县人民政府", "合阳县").encode("gbk"))
    res = _invoke(["run", "--data-dir", str(tmp_path), "--sites-file", str(sites)])
    assert res.exit_code == USAGE
    line = _one_error_line(res)
    assert "not UTF-8" in line
    assert "line 3" in line


def test_invalid_sites_file_is_one_line_exit_2(tmp_path):
    sites = _sites(tmp_path, SITE + 'typo_key = "x"\n')
    res = _invoke(
        ["backfill", "--years", "2020", "--data-dir", str(tmp_path), "--sites-file", str(sites)]
    )
    assert res.exit_code == USAGE
    assert "typo_key" in _one_error_line(res)


def test_empty_sites_file_is_nothing_to_do_exit_4(tmp_path):
    sites = _sites(tmp_path, "# no sites yet\n")
    res = _invoke(["run", "--data-dir", str(tmp_path), "--sites-file", str(sites)])
    assert res.exit_code == NOTHING_TO_DO
    assert "nothing to do" in _one_error_line(res)


def test_no_enabled_site_is_nothing_to_do(tmp_path):
    sites = _sites(tmp_path, SITE + "enabled = false\n")
    res = _invoke(["run", "--data-dir", str(tmp_path), "--sites-file", str(sites)])
    assert res.exit_code == NOTHING_TO_DO, res.output


def test_unknown_site_lists_the_known_ones(tmp_path):
    sites = _sites(tmp_path)
    res = _invoke(["run", "--data-dir", str(tmp_path), "--sites-file", str(sites), "--site", "x"])
    assert res.exit_code == USAGE
    assert "known: heyang" in _one_error_line(res)


@pytest.mark.parametrize("years", ["2023-2019", "19", "abc", "2019-"])
def test_bad_years_are_usage_errors(tmp_path, years):
    sites = _sites(tmp_path)
    res = _invoke(
        ["backfill", "--years", years, "--data-dir", str(tmp_path), "--sites-file", str(sites)]
    )
    assert res.exit_code == USAGE
    assert "Traceback" not in res.output


def test_unwritable_data_dir_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    sites = _sites(tmp_path)
    res = _invoke(["run", "--data-dir", str(blocker / "data"), "--sites-file", str(sites)])
    assert res.exit_code == USAGE
    assert "data dir" in _one_error_line(res)


def test_warehouse_that_is_a_file_is_one_line_exit_2(tmp_path):
    (tmp_path / "wh").write_text("x", encoding="utf-8")
    sites = _sites(tmp_path)
    args = ["run", "--data-dir", str(tmp_path), "--sites-file", str(sites)]
    res = _invoke([*args, "--warehouse", str(tmp_path / "wh")])
    assert res.exit_code == USAGE
    assert "warehouse" in _one_error_line(res)


def test_too_little_free_space_is_disk_full_exit_1(tmp_path):
    sites = _sites(tmp_path)
    res = runner.invoke(
        app,
        ["run", "--data-dir", str(tmp_path), "--sites-file", str(sites), "--json"],
        env={"XXGK_MIN_FREE_MB": str(10**12)},
    )
    assert res.exit_code == FAILED
    assert "disk full" in res.stderr
    assert json.loads(res.stdout) == {"error": res.stderr.strip()[7:], "exit_code": 1}


def test_reparse_of_an_empty_archive_is_nothing_to_do(tmp_path):
    sites = _sites(tmp_path)
    for cmd in (["reparse"], ["backfill", "--years", "2020", "--from-archive"]):
        res = _invoke([*cmd, "--data-dir", str(tmp_path), "--sites-file", str(sites)])
        assert res.exit_code == NOTHING_TO_DO, res.output
        assert "nothing archived" in _one_error_line(res)


def test_version_names_package_parser_and_schema():
    from parsing import PARSER_VERSION
    from warehouse import SCHEMA_VERSION

    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.startswith("xxgk ")
    assert f"parser {PARSER_VERSION}" in res.output
    assert f"schema {SCHEMA_VERSION}" in res.output


def test_help_documents_exit_codes():
    res = runner.invoke(app, ["--help"])
    assert "Exit codes: 0 ok; 1 the run failed; 2 usage error" in " ".join(res.output.split())
    for cmd in ("run", "backfill", "reparse"):
        out = " ".join(runner.invoke(app, [cmd, "--help"]).output.split())
        assert "3 a site broken, incomplete or failed" in out
        assert "4 nothing to do" in out
        assert "-q, --quiet" in out
        assert "-v, --verbose" in out
        assert "--json" in out


def test_usage_error_is_exit_2():
    assert runner.invoke(app, ["run", "--no-such-option"]).exit_code == USAGE


def test_sites_list_json_and_cjk_table(tmp_path):
    sites = _sites(tmp_path)
    res = runner.invoke(app, ["sites", "list", "--sites-file", str(sites), "--json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["sites"][0]["name"] == "heyang"
    assert doc["sites"][0]["publisher"] == "合阳县人民政府"
    table = runner.invoke(app, ["sites", "list", "--sites-file", str(sites)]).output
    head, _rule, row = table.splitlines()[:3]
    # rich counts each CJK character as two cells: the region column lines up
    from rich.cells import cell_len

    assert cell_len(head[: head.index("region")]) == cell_len(row[: row.index("610524")])


def test_status_and_compact_json(tmp_path):
    from parsing import RawDocument, parse_document
    from warehouse import publish

    sample = Path(__file__).parents[1] / "fixtures" / "samples" / "heyang-2020-spam.txt"
    raw = RawDocument(
        content=sample.read_bytes(),
        filename="r.txt",
        site="heyang",
        publisher="合阳县人民政府",
        url="http://127.0.0.1/heyang/2020.html",
    )
    publish([parse_document(raw)], tmp_path / "warehouse")
    sites = _sites(tmp_path)
    res = runner.invoke(
        app, ["status", "--data-dir", str(tmp_path), "--sites-file", str(sites), "--json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["rows"]
    assert {"site": "heyang", "year": 2020, "reports": 1, "invalid": 0, "quarantined": 0} | {
        "coverage": "ok"
    } in rows
    res = runner.invoke(app, ["compact", "--data-dir", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["warehouse"] == str(tmp_path / "warehouse")
    plain = runner.invoke(app, ["compact", "--data-dir", str(tmp_path)])
    assert "CompactResult(" not in plain.output
    missing = runner.invoke(app, ["status", "--data-dir", str(tmp_path / "none"), "--json"])
    assert missing.exit_code == NOTHING_TO_DO
    assert json.loads(missing.stdout)["exit_code"] == NOTHING_TO_DO


def test_incomplete_crawl_is_a_site_problem():
    run = RunSummary(run_id="r", flow="nightly")
    add_crawl(
        run,
        {
            "site": "big",
            "documents_found": 500,
            "new": 500,
            "status": "incomplete",
            "errors": [
                {
                    "kind": "limit_reached",
                    "url": "http://127.0.0.1/big/list_50.html",
                    "message": "max_pages 50",
                }
            ],
        },
    )
    assert run.sites["big"].status == "incomplete"
    assert run.exit_code() == SITE_PROBLEM
    assert "big incomplete" in str(run.failure_message())
    assert "max_pages 50" in run.markdown()
    assert RunSummary.from_dict(json.loads(json.dumps(run.to_dict()))).exit_code() == SITE_PROBLEM


def test_help_imports_nothing_heavy():
    code = (
        "import sys; sys.argv = ['xxgk', '--help']\n"
        "from flows.cli import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('prefect', 'pyarrow', 'lxml', 'scrapy', 'parsing', 'rich', 'pydantic')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stderr
