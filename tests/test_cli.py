"""The command line as a user runs it: real processes, one-line errors, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qunops.store.db import open_engine

EVENTS = [
    {
        "platform": "qq",
        "group": "100",
        "group_name": "测试群",
        "kind": "join",
        "ts": "2024-05-01T09:00:00+08:00",
        "member": {"id": "1", "name": "Alice"},
        "actor": {"id": "2", "name": "Bob"},
        "payload": {"channel": "invite"},
    },
    {
        "platform": "qq",
        "group": "100",
        "kind": "message",
        "ts": "2024-05-01T09:01:00",
        "id": "m1",
        "member": {"id": "1", "name": "Alice"},
        "text": "请问怎么报名？",
    },
    {
        "platform": "qq",
        "group": "100",
        "kind": "message",
        "ts": "2024-05-01T09:03:00+08:00",
        "id": "m2",
        "member": {"id": "2", "name": "Bob"},
        "text": "看公告",
        "reply_to": "m1",
    },
]


def qunops(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qunops.cli", *args],
        stdin=subprocess.DEVNULL,  # never a terminal: a prompt gets nothing, as in a script
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "QUNOPS_DATABASE_URL": database_url,
        "QUNOPS_ADMIN_PASSWORD": "correct horse",
        "COLUMNS": "200",
    }
    result = qunops("init", "--workspace", "w1", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return env


def write_events(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_import_prints_a_json_summary_and_a_second_import_adds_nothing(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    events = write_events(tmp_path / "events.jsonl", EVENTS)
    first = qunops("import", str(events), "--json", env=cli_env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {k: summary[k] for k in ("groups", "members", "events_new", "events_existing", "by_kind")} == {
        "groups": 1,
        "members": 2,
        "events_new": 3,
        "events_existing": 0,
        "by_kind": {"join": 1, "message": 2},
    }
    assert summary["files"][0]["format"] == "qunops-jsonl"
    second = json.loads(qunops("import", str(events), "--json", env=cli_env, cwd=tmp_path).stdout)
    assert (second["events_new"], second["events_existing"]) == (0, 3)
    groups = qunops("groups", env=cli_env, cwd=tmp_path)
    assert "测试群" in groups.stdout and "qq" in groups.stdout


def test_a_malformed_file_fails_alone_with_file_and_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    good = write_events(tmp_path / "a-good.jsonl", EVENTS)
    bad = tmp_path / "b-bad.jsonl"
    bad.write_text(json.dumps(EVENTS[0]) + '\n{"platform": "qq", "group": "100", "kind": "message", "ts": \n')
    result = qunops("import", str(good), str(bad), "--json", env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    errors = [f["error"] for f in summary["files"] if f["error"]]
    assert len(errors) == 1 and errors[0].startswith(f"{bad}:2: not valid JSON")
    assert summary["events_new"] == 3  # the good file imported; nothing of the bad one (its line 1 is valid)
    assert "Traceback" not in result.stderr


def test_a_file_of_no_known_format_is_named(cli_env: dict[str, str], tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("just some notes\n")
    result = qunops("import", str(junk), env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    assert f"{junk}: not a known export format" in result.stderr
    assert "Traceback" not in result.stderr


def test_dry_run_stores_nothing(cli_env: dict[str, str], tmp_path: Path) -> None:
    events = write_events(tmp_path / "events.jsonl", EVENTS)
    dry = json.loads(qunops("import", str(events), "--dry-run", "--json", env=cli_env, cwd=tmp_path).stdout)
    assert dry["events_new"] == 3 and dry["dry_run"] is True
    real = json.loads(qunops("import", str(events), "--json", env=cli_env, cwd=tmp_path).stdout)
    assert real["events_new"] == 3


def test_a_dry_run_over_several_new_groups_counts_each_group(cli_env: dict[str, str], tmp_path: Path) -> None:
    # Each file's transaction is rolled back in a dry run, so the database hands the same new id to the
    # next file's group: groups are counted by identity, not by id.
    files = [
        write_events(tmp_path / f"g{n}.jsonl", [{**record, "group": f"group-{n}"} for record in EVENTS])
        for n in range(3)
    ]
    dry = json.loads(
        qunops("import", *map(str, files), "--dry-run", "--json", env=cli_env, cwd=tmp_path).stdout
    )
    real = json.loads(qunops("import", *map(str, files), "--json", env=cli_env, cwd=tmp_path).stdout)
    assert dry["groups"] == real["groups"] == 3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://x@localhost/db", "QUNOPS_DATABASE_URL"),
        ("sqlite:////no/such/folder/q.db", "folder /no/such/folder does not exist"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open the database"),
        ("not a url", "QUNOPS_DATABASE_URL"),
    ],
)
def test_a_bad_database_url_is_one_line(url: str, message: str, tmp_path: Path) -> None:
    env = {**os.environ, "QUNOPS_DATABASE_URL": url}
    result = qunops("groups", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_without_schema_says_what_to_run(tmp_path: Path) -> None:
    (tmp_path / "empty.db").write_bytes(b"")  # a file SQLite opens as an empty database
    env = {**os.environ, "QUNOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = qunops("groups", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "qunops db upgrade" in result.stderr


def test_a_bad_timezone_setting_names_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "QUNOPS_TIMEZONE": "Mars/Olympus"}
    result = qunops("groups", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "QUNOPS_TIMEZONE" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args", [["nosuch"], ["import", "--bogus", "x"], ["spam", "eval", "x.csv", "--folds", "1"]]
)
def test_usage_errors_are_short_and_exit_2(args: list[str], tmp_path: Path) -> None:
    result = qunops(*args, env={**os.environ}, cwd=tmp_path)
    assert result.returncode == 2
    assert "Error" in result.stderr and "Traceback" not in result.stderr


SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "samples"


def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples is absent")
    return SAMPLES.resolve()


def test_a_folder_lists_the_files_it_did_not_import(cli_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    (folder / "media").mkdir(parents=True)
    write_events(folder / "events.jsonl", EVENTS)
    (folder / "README.txt").write_text("exported on Monday\n")
    (folder / "media" / "IMG-0001.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "media" / "IMG-0002.jpg").write_bytes(b"\xff\xd8\xff")
    result = qunops("import", str(folder), env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # a readme and photos beside an export are no failure
    assert f"{folder / 'README.txt'}: not a known export format (tried: " in result.stdout
    assert "2 media files" in result.stdout and "IMG-0001" not in result.stdout
    assert result.stderr == ""
    summary = json.loads(qunops("import", str(folder), "--json", env=cli_env, cwd=tmp_path).stdout)
    assert [f["name"] for f in summary["skipped_files"]] == [str(folder / "README.txt")]
    assert summary["skipped_files"][0]["reason"].startswith("not a known export format (tried: ")
    assert summary["skipped_media"] == 2
    assert (summary["events_new"], summary["events_existing"], summary["ok"]) == (0, 3, True)


def test_the_samples_folder_names_the_messenger_export(cli_env: dict[str, str], tmp_path: Path) -> None:
    root = samples()
    result = qunops("import", str(root), "--dry-run", "--json", env=cli_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    skipped = {f["name"]: f["reason"] for f in json.loads(result.stdout)["skipped_files"]}
    assert skipped[str(root / "messenger" / "2A_7M.json")].startswith("not a known export format (tried: ")
    messenger = qunops("import", str(root / "messenger"), env=cli_env, cwd=tmp_path)
    assert messenger.returncode == 1
    assert messenger.stderr.strip().splitlines() == [f"✗ {root / 'messenger'}: no chat export in the folder"]
    assert f"{root / 'messenger' / '2A_7M.json'}: not a known export format" in messenger.stdout


def test_an_empty_file_says_so(cli_env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "chat.txt"
    empty.write_bytes(b"")
    result = qunops("import", str(empty), env=cli_env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"✗ {empty}: empty file"


def test_a_dry_run_does_not_call_repeated_events_stored(cli_env: dict[str, str], tmp_path: Path) -> None:
    events = write_events(tmp_path / "events.jsonl", [*EVENTS, EVENTS[1]])  # a message written twice
    dry = qunops("import", str(events), "--dry-run", env=cli_env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert f"✓ {events} (qunops-jsonl): would add 3, 1 already stored or repeated" in dry.stdout
    assert "dry run: nothing stored" in dry.stdout and "events to add" in dry.stdout
    # The same file twice in one dry run: the second would add nothing, as in the real import.
    twice = qunops("import", str(events), str(events), "--dry-run", "--json", env=cli_env, cwd=tmp_path)
    files = json.loads(twice.stdout)["files"]
    assert [(f["events_new"], f["events_existing"]) for f in files] == [(3, 1), (0, 4)]
    real = qunops("import", str(events), env=cli_env, cwd=tmp_path)
    assert f"✓ {events} (qunops-jsonl): 3 new, 1 already stored" in real.stdout


def test_a_dry_run_counts_overlapping_files_as_the_import_would(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    # An earlier export, a broken one (its first two events, then a cut-off line), and a later export
    # overlapping the first: the broken file's events are undone, the later one's overlap is stored.
    first = write_events(tmp_path / "a.jsonl", EVENTS[:2])
    broken = tmp_path / "b.jsonl"
    broken.write_text(
        write_events(tmp_path / "part.jsonl", EVENTS[1:]).read_text() + '{"platform": "qq", ', "utf-8"
    )
    later = write_events(tmp_path / "c.jsonl", EVENTS)
    paths = [str(first), str(broken), str(later)]
    dry = json.loads(qunops("import", *paths, "--dry-run", "--json", env=cli_env, cwd=tmp_path).stdout)
    real = json.loads(qunops("import", *paths, "--json", env=cli_env, cwd=tmp_path).stdout)
    for summary in (dry, real):
        counts = [(f["events_new"], f["events_existing"], f["error"] is None) for f in summary["files"]]
        assert counts == [(2, 0, True), (0, 0, False), (1, 2, True)]
        assert summary["events_new"] == 3 and summary["events_existing"] == 2


def test_piped_output_keeps_each_file_on_one_line(cli_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / ("a-long-folder-name-" * 4)
    folder.mkdir()
    events = write_events(folder / "events.jsonl", EVENTS)
    narrow = {k: v for k, v in cli_env.items() if k not in ("COLUMNS", "LINES")}
    result = qunops("import", str(events), env=narrow, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = f"✓ {events} (qunops-jsonl): 3 new, 0 already stored"
    assert len(line) > 80 and line in result.stdout.splitlines()
    assert "│ events existing │ 0" in result.stdout


def test_a_read_command_does_not_create_a_missing_database(tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    env = {**os.environ, "QUNOPS_DATABASE_URL": f"sqlite:///{missing}"}
    how = "or choose another with --database"
    for command in (["groups"], ["report"], ["import", str(tmp_path)]):
        result = qunops(*command, env=env, cwd=tmp_path)
        assert result.returncode == 2, result
        assert (
            result.stderr.strip()
            == f"error: no database at {missing}: run `qunops init` to create one, {how}"
        )
        assert not missing.exists()
    assert qunops("init", env={**env, "QUNOPS_ADMIN_PASSWORD": "correct horse"}, cwd=tmp_path).returncode == 0
    assert missing.exists() and qunops("groups", env=env, cwd=tmp_path).returncode == 0


def test_a_piped_report_is_laid_out_wide_not_cut_to_80_columns(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    events = write_events(tmp_path / "events.jsonl", EVENTS)
    assert qunops("import", str(events), env=cli_env, cwd=tmp_path).returncode == 0
    piped = {k: v for k, v in cli_env.items() if k not in ("COLUMNS", "LINES")}
    result = qunops("report", "--as-of", "2024-05-02", env=piped, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "speaker ratio" in line)
    assert "new speakers/active day" in header and "silence h" in header and "…" not in result.stdout
    assert "测试群" in result.stdout


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql+psycopg://u:secret@127.0.0.1:abc/db", "is not a database URL"),
        ("postgresql+psycopg://u:secret@[::1/db", "is not a database URL"),
        (
            "postgresql+psycopg2://u:secret@localhost/db",
            "no driver for postgresql+psycopg2://u:***@localhost/db",
        ),
    ],
)
def test_a_malformed_database_url_or_a_missing_driver_is_one_line(
    tmp_path: Path, url: str, said: str
) -> None:
    env = {**os.environ, "QUNOPS_DATABASE_URL": url, "QUNOPS_ADMIN_PASSWORD": "x" * 10}
    for command in (["groups"], ["init", "--workspace", "w"]):
        result = qunops(*command, env=env, cwd=tmp_path)
        assert result.returncode == 2, result
        assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "secret" not in result.stderr and "Traceback" not in result.stderr


def test_a_database_a_newer_version_wrote_is_refused_and_left_as_it_is(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    engine = open_engine(cli_env["QUNOPS_DATABASE_URL"])
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    for command in (["groups"], ["db", "upgrade"], ["init", "--workspace", "w2"]):
        result = qunops(*command, env=cli_env, cwd=tmp_path)
        assert result.returncode == 2, result
        assert "at revision 0099, which this version of qunops does not know" in result.stderr, result.stderr
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        added = connection.exec_driver_sql("SELECT count(*) FROM workspaces WHERE slug = 'w2'").scalar_one()
    assert (version, added) == ("0099", 0)
    engine.dispose()


def test_init_refuses_another_programs_database_and_leaves_it_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE users (x)")
        connection.execute("CREATE TABLE events (y)")
    env = {**os.environ, "QUNOPS_DATABASE_URL": f"sqlite:///{path}", "QUNOPS_ADMIN_PASSWORD": "x" * 10}
    result = qunops("init", "--workspace", "w", env=env, cwd=tmp_path)
    assert result.returncode == 2, result
    assert "holds tables of another program (events, users)" in result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(path) as connection:
        tables = sorted(
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        )
    assert tables == ["events", "users"]


def one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The one line a refused command prints (and checks there is one, with the exit status)."""
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_empty_path_is_refused_not_taken_for_the_working_folder(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    write_events(tmp_path / "events.jsonl", EVENTS)  # in the working folder, which "" must not import
    result = qunops("import", "", env=cli_env, cwd=tmp_path)
    assert one_line_error(result) == (
        "error: PATH: an empty path names no file (to import the working folder, name it: .)"
    )
    assert "测试群" not in qunops("groups", env=cli_env, cwd=tmp_path).stdout


def test_a_device_is_no_export_file(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = qunops("import", "/dev/null", "--json", env=cli_env, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (failed,) = json.loads(result.stdout)["files"]
    assert (
        failed["error"]
        == "/dev/null: not a file or folder (a device, pipe or socket): name the export file itself"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--as-of", "9999-12-31"], "error: --as-of: 9999-12-31 is outside 1970-01-01…9990-12-31"),
        (["report", "--as-of", "0001-01-01"], "error: --as-of: 0001-01-01 is outside 1970-01-01…9990-12-31"),
        (
            ["report", "--as-of", "2016-02-30"],
            "error: --as-of: expected a day like 2026-11-24 (YYYY-MM-DD), not '2016-02-30'",
        ),
        (
            ["report", "--group", "99999999999999999999"],
            "error: --group: no group 99999999999999999999 in this workspace (see `qunops groups`)",
        ),
        (
            ["moderate", "--dry-run", "--group", "99999999999999999999"],
            "error: --group: no group 99999999999999999999 in this workspace (see `qunops groups`)",
        ),
        (
            ["moderate", "--dry-run", "--train-from", "/dev/null"],
            "error: --train-from: /dev/null is not a file or folder (a device, pipe or socket)",
        ),
    ],
)
def test_days_and_ids_no_database_can_hold_are_refused_in_words(
    cli_env: dict[str, str], tmp_path: Path, args: list[str], message: str
) -> None:
    assert one_line_error(qunops(*args, env=cli_env, cwd=tmp_path)) == message


def test_a_spam_seed_out_of_range_names_the_option_not_the_file(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.csv"
    rows = [f"spam,cheap pills now {n} http://x{n}.example\nham,see you at {n} pm" for n in range(12)]
    labelled.write_text("label,text\n" + "\n".join(rows) + "\n")
    result = qunops("spam", "eval", str(labelled), "--seed", "-5", env={**os.environ}, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--seed" in result.stderr and str(labelled) not in result.stderr


@pytest.mark.parametrize("target", ["/dev/null", "folder"])
def test_a_database_that_is_no_file_is_refused_before_anything_is_written(
    tmp_path: Path, target: str
) -> None:
    (tmp_path / "folder").mkdir()
    path = target if target.startswith("/") else str(tmp_path / target)
    env = {**os.environ, "QUNOPS_DATABASE_URL": f"sqlite:///{path}", "QUNOPS_ADMIN_PASSWORD": "correct horse"}
    line = one_line_error(qunops("init", env=env, cwd=tmp_path))
    assert line.startswith(f"error: the database {path} is ")
    assert list((tmp_path / "folder").iterdir()) == []


def test_a_bad_database_option_names_the_option(tmp_path: Path) -> None:
    result = qunops("groups", "--database", str(tmp_path / "q.db"), env={**os.environ}, cwd=tmp_path)
    assert one_line_error(result).startswith("error: --database: unsupported database")
    result = qunops(
        "groups", "--database", "sqlite:////no/such/folder/q.db", env={**os.environ}, cwd=tmp_path
    )
    assert one_line_error(result) == "error: --database: folder /no/such/folder does not exist"


def test_the_summary_says_which_timezone_local_times_were_read_in(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    """WhatsApp writes times without a zone, Telegram's `date_unixtime` is absolute: only the first is
    read in a timezone, and without --tz the summary says it was the workspace's and how to choose."""
    chat = tmp_path / "WhatsApp Chat with Tea.txt"
    chat.write_text("12/9/20, 23:16 - Alice: hello\n12/10/20, 08:01 - Bob: hi\n", encoding="utf-8")
    telegram = tmp_path / "result.json"
    message = {"id": 1, "type": "message", "date": "2020-12-09T23:16:00", "date_unixtime": "1607555760"}
    telegram.write_text(
        json.dumps(
            {
                "name": "Tea",
                "type": "private_group",
                "id": 5,
                "messages": [{**message, "from": "Al", "from_id": "user1", "text": "hi"}],
            }
        ),
        encoding="utf-8",
    )
    summary = json.loads(
        qunops("import", str(chat), str(telegram), "--json", env=cli_env, cwd=tmp_path).stdout
    )
    zones = {Path(f["name"]).name: f["local_times_in"] for f in summary["files"]}
    assert zones == {"WhatsApp Chat with Tea.txt": "Asia/Shanghai", "result.json": None}
    text = qunops("import", str(chat), "--dry-run", env=cli_env, cwd=tmp_path).stdout
    assert "local times read in Asia/Shanghai" in text and "needs --tz when it is first imported" in text
    chosen = qunops(
        "import", str(chat), "--dry-run", "--tz", "Europe/Berlin", env=cli_env, cwd=tmp_path
    ).stdout
    assert "local times read in Europe/Berlin" in chosen and "needs --tz" not in chosen


def test_init_with_an_unknown_timezone_leaves_no_database_behind(tmp_path: Path) -> None:
    env = {**os.environ, "QUNOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}
    result = qunops(
        "init", "--timezone", "Mars/Olympus", "--password", "correct horse", env=env, cwd=tmp_path
    )
    assert one_line_error(result) == "error: --timezone: unknown timezone 'Mars/Olympus'"
    assert not (tmp_path / "q.db").exists()


def test_an_init_that_fails_leaves_no_database_behind_but_keeps_one_that_was_there(tmp_path: Path) -> None:
    """A refused password, or no answer at the password prompt, after the schema was made: the new file
    goes again (left there, every other command would take it for a set-up database without a workspace)."""
    database = tmp_path / "q.db"
    env = {**os.environ, "QUNOPS_DATABASE_URL": f"sqlite:///{database}"}
    env.pop("QUNOPS_ADMIN_PASSWORD", None)
    short = qunops("init", "--password", "short", env=env, cwd=tmp_path)
    assert one_line_error(short) == "error: a password has at least 8 characters"
    unanswered = qunops("init", env=env, cwd=tmp_path)  # no terminal: the prompt gets nothing
    assert unanswered.returncode != 0 and "Traceback" not in unanswered.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert qunops("init", "--password", "correct horse", env=env, cwd=tmp_path).returncode == 0
    refused = qunops("init", "--workspace", "second", "--password", "wrong horse", env=env, cwd=tmp_path)
    assert refused.returncode == 2 and "exists already, with another password" in refused.stderr
    listed = qunops("groups", env=env, cwd=tmp_path)
    assert listed.returncode == 0 and database.exists()  # the first workspace's database stays


def without_file_permissions() -> list[str]:
    """A prefix that runs a command subject to file permissions even as root (the tests may run as root,
    who reads and writes everything): the capabilities that override them dropped."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root, and no setpriv to drop the capabilities that override permissions")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def test_files_and_folders_that_cannot_be_read_fail_by_name_and_the_rest_imports(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    if not cli_env["QUNOPS_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("file permissions: the SQLite run covers them")
    exports = tmp_path / "exports"
    (exports / "locked").mkdir(parents=True)
    write_events(exports / "a-good.jsonl", EVENTS)
    write_events(exports / "locked" / "b.jsonl", [{**r, "group": "200"} for r in EVENTS])
    unreadable = write_events(exports / "c.jsonl", [{**r, "group": "300"} for r in EVENTS])
    shut = write_events(tmp_path / "shut.jsonl", [{**r, "group": "400"} for r in EVENTS])
    (exports / "locked").chmod(0)
    unreadable.chmod(0)
    shut.chmod(0)
    try:
        command = [sys.executable, "-m", "qunops.cli", "import", "--json", str(exports), str(shut)]
        result = subprocess.run(
            [*without_file_permissions(), *command],
            capture_output=True,
            text=True,
            env=cli_env,
            cwd=tmp_path,
            timeout=120,
        )
    finally:
        (exports / "locked").chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    summary = json.loads(result.stdout)
    assert sorted(f["error"] for f in summary["files"] if f["error"]) == [
        f"{exports / 'c.jsonl'}: cannot be read (permission denied)",
        f"{exports / 'locked'}: cannot be read (permission denied)",
        f"{shut}: cannot be read (permission denied)",
    ]
    assert summary["events_new"] == 3  # a-good.jsonl


def test_a_read_only_database_is_refused_by_commands_that_write_and_read_by_the_others(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = cli_env["QUNOPS_DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("a read-only SQLite file")
    path = Path(url.removeprefix("sqlite:///"))
    qunops("import", str(write_events(tmp_path / "events.jsonl", EVENTS)), env=cli_env, cwd=tmp_path)
    path.chmod(0o444)
    before = path.read_bytes()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*without_file_permissions(), sys.executable, "-m", "qunops.cli", *args],
            capture_output=True,
            text=True,
            env=cli_env,
            cwd=tmp_path,
            timeout=120,
        )

    refused = f"error: the database {path} is read-only: this command writes to it"
    assert one_line_error(run("password", "admin", "--password", "a new password")) == refused
    other = write_events(tmp_path / "other.jsonl", [{**r, "group": "200"} for r in EVENTS])
    assert one_line_error(run("import", str(other))) == refused
    assert path.read_bytes() == before
    listed = run("groups")
    assert listed.returncode == 0 and "测试群" in listed.stdout


def test_a_second_workspace_can_have_the_first_ones_admin(tmp_path: Path) -> None:
    env = {**os.environ, "QUNOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}"}
    env.pop("QUNOPS_ADMIN_PASSWORD", None)
    assert qunops("init", "--password", "correct horse", env=env, cwd=tmp_path).returncode == 0
    wrong = qunops("init", "--workspace", "second", "--password", "wrong horse", env=env, cwd=tmp_path)
    assert one_line_error(wrong).startswith("error: user 'admin' exists already, with another password")
    for slug, extra in (("second", ["--password", "correct horse"]), ("third", [])):
        made = qunops("init", "--workspace", slug, *extra, env=env, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        assert f"workspace {slug} created with admin admin (an existing user)" in made.stdout
    from qunops.store import accounts
    from qunops.store.db import open_engine

    engine = open_engine(env["QUNOPS_DATABASE_URL"])
    with engine.connect() as connection:
        admin = accounts.user_named(connection, "admin")
        assert accounts.password_is(connection, admin, "correct horse")
        assert [m.slug for m in accounts.memberships_of(connection, admin)] == ["main", "second", "third"]
    engine.dispose()
