from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.entries import loader
from build_tools.entries.loader import MAX_BYTES, load_bytes, load_file, load_paths

CORPUS = Path(__file__).resolve().parent / "data" / "entries"


def test_values_keep_their_lines_and_columns() -> None:
    entry, problems = load_bytes(
        b"id: x-y-z\nname: A\nschedule:\n  - days: [tue]\n    start: '10:00'\n"
        b"description: |\n  one\n  two\n",
        "x.yml",
        "x-y-z",
    )
    assert problems == [] and entry is not None
    assert entry.mark(("schedule", 0, "start")) == (5, 12)
    assert entry.key_mark(("schedule", 0, "start")) == (5, 5)
    assert entry.mark(("schedule", 0, "days", 0)) == (4, 12)
    assert entry.mark(("description",)) == (7, 1)  # a block's text starts on the next line
    assert entry.mark(("nothing", "here")) == (1, 1)


def test_yaml_misreadings_are_kept_with_what_was_written() -> None:
    entry, _ = load_bytes(
        b"start: 10:00\nphone: 01622000111\nlanguages: [no, 'no']\nwhen: 2026-10-01\n", "x.yml", "x"
    )
    assert entry is not None
    assert entry.data == {
        "start": 600,
        "phone": 239599689,
        "languages": [False, "no"],
        "when": "2026-10-01",
    }
    assert entry.misread == {("start",): "10:00", ("phone",): "01622000111", ("languages", 0): "no"}


def test_bom_and_crlf_are_fine() -> None:
    entry, problems = load_bytes(b"\xef\xbb\xbfid: abc\r\nname: B\r\n", "x.yml", "abc")
    assert problems == [] and entry is not None and entry.data == {"id": "abc", "name": "B"}
    assert entry.mark(("name",)) == (2, 7)


def test_utf16_is_explained() -> None:
    _, problems = load_bytes("id: abc\n".encode("utf-16"), "x.yml", "abc")
    assert problems[0].code == "encoding" and "UTF-16" in problems[0].message


def test_size_is_checked_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.yml"
    big.write_bytes(b"name: " + b"a" * (1024 * 1024))
    monkeypatch.setattr(loader.yaml, "parse", lambda *a, **k: pytest.fail("parsed a big file"))
    entry, problems = load_file(big)
    assert entry is None and problems[0].code == "size" and "1024 KiB" in problems[0].message


def test_exactly_the_limit_is_allowed() -> None:
    body = b"name: " + b"a" * (MAX_BYTES - 7) + b"\n"
    assert len(body) == MAX_BYTES
    entry, problems = load_bytes(body, "x.yml", "x")
    assert problems == [] and entry is not None


def test_a_deep_file_is_refused_cleanly() -> None:
    _, problems = load_bytes(b"a: " + b"[" * 600 + b"]" * 600, "x.yml", "x")
    assert [p.code for p in problems] == ["depth"]


def test_a_one_megabyte_file_is_refused_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    path.write_bytes(b"- x\n" * (256 * 1024))
    entry, problems = load_file(path)
    assert entry is None and [p.code for p in problems] == ["size"]


def test_unused_anchors_and_explicit_tags_are_refused() -> None:
    for text, code in (
        (b"a: &x 1\n", "anchor"),
        (b"a: !!str 1\n", "tag"),
        (b"a: !custom 1\n", "tag"),
        (b"a: *x\n", "alias"),
    ):
        _, problems = load_bytes(text, "x.yml", "x")
        assert [p.code for p in problems] == [code], text


def test_misnamed_files_are_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "ok.yml").write_text("id: ok\n", "utf-8")
    (tmp_path / "wrong.yaml").write_text("id: wrong\n", "utf-8")
    (tmp_path / ".hidden.yml").write_text("id: hidden\n", "utf-8")
    entries, problems = load_paths([tmp_path], base=tmp_path)
    assert [e.id for e in entries] == ["ok"]
    assert [(p.path, p.code) for p in problems] == [("wrong.yaml", "file-name")]


def test_parallel_loading_gives_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (CORPUS / "good" / "online-region-wide.yml").read_text("utf-8")
    for index in range(60):
        (tmp_path / f"entry-{index:03}.yml").write_text(source, "utf-8")
    (tmp_path / "broken.yml").write_text("name: [unclosed\n", "utf-8")
    serial = load_paths([tmp_path], base=tmp_path)
    monkeypatch.setattr(loader, "PARALLEL_FROM", 10)
    parallel = load_paths([tmp_path], base=tmp_path)
    assert [e.data for e in serial[0]] == [e.data for e in parallel[0]]
    assert [e.path for e in serial[0]] == [e.path for e in parallel[0]]
    assert serial[1] == parallel[1] and len(serial[1]) == 1


SESSIONS = (
    'id: x\nname: A walk\nschedule:\n  - days: [tue]\n    start: "10:00"\n'
    '  - days: [sat]\n    start: {start}\n    end: "12:00"\nstatus: active\n'
    'contact:\n  phone: "01622 000111"\n'
)


@pytest.mark.parametrize(
    ("start", "where"),
    [
        ('"11:00', "7:12: schedule[1].start: the quote opened on line 7 is never closed"),
        ("'11:00", "7:12: schedule[1].start: the quote opened on line 7 is never closed"),
        ("[11:00", "7:12: schedule[1].start: the `[` opened on line 7 is never closed"),
        ("at 11: sharp", "7:17: schedule[1].start: the value contains a colon and a space"),
        ('"11:00" sharp', "7:20: schedule[1].start: there is text after the closing quote"),
    ],
)
def test_yaml_errors_name_the_line_and_field_where_the_mistake_is(start: str, where: str) -> None:
    """Inside a list item too, and however far away YAML gives up (an unclosed double quote
    runs on to the next quote in the file, on line 8 here)."""
    entry, problems = load_bytes(SESSIONS.replace("{start}", start).encode(), "x.yml", "x")
    assert entry is None and len(problems) == 1
    assert problems[0].format().startswith(f"x.yml:{where}"), problems[0].format()


def test_a_colon_fix_quotes_the_value_safely() -> None:
    """The suggested fix shows the value in quotes, escaped for the terminal."""
    _, problems = load_bytes('id: x\nsummary: Note: "new" \u202etimes\n'.encode(), "x.yml", "x")
    message = problems[0].message
    assert message.endswith("""like summary: 'Note: "new" \\u202etimes'""")
    assert "\u202e" not in message
