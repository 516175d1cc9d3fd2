"""Issue 11, parts 3 and 4: storage that fails, fills, vanishes or rots costs no answer and no saved
progress, heals on the next request, and the skill only says "saved" when it was."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from skill.persistence import SqliteAdapter
from skill.persistence.dynamodb import DynamoDbSettings, DynamoDbStore
from tests.deploy.conftest import REGION, Dynalite
from tests.reliability.conftest import said_saved, stop_after_two_steps, talk_to

ROOT = Path(__file__).resolve().parents[2]
BURST_WRITES_BEFORE_KILL = 200


def damaged_copies(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.damaged-*"))


def resume_offered(store: object) -> bool:
    launch = talk_to(store).launch()  # type: ignore[arg-type]
    return (launch.response.get("sessionAttributes") or {}).get("offer") == "resume"


# --- SQLite ----------------------------------------------------------------------------------------------------

def test_a_deleted_file_is_recreated_on_the_next_request(db_path: Path) -> None:
    store = SqliteAdapter(db_path)
    assert said_saved(stop_after_two_steps(talk_to(store))) is True
    db_path.unlink()
    assert said_saved(stop_after_two_steps(talk_to(store))) is True  # same running store, no restart
    assert db_path.is_file() and resume_offered(store)


def test_a_deleted_directory_is_recreated_on_the_next_request(db_path: Path) -> None:
    store = SqliteAdapter(db_path)
    assert said_saved(stop_after_two_steps(talk_to(store))) is True
    shutil.rmtree(db_path.parent)
    assert said_saved(stop_after_two_steps(talk_to(store))) is True
    assert resume_offered(store)


def test_a_file_damaged_in_one_page_is_moved_aside_logged_and_replaced(db_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    store = SqliteAdapter(db_path)
    for n in range(300):  # several pages of rows
        talk_to(store, user_id=f"amzn1.ask.account.U{n:04d}").launch()
    store.close()
    page = 4096
    data = bytearray(db_path.read_bytes())
    assert len(data) > 4 * page
    data[2 * page: 2 * page + 200] = b"\xff" * 200  # the header and first cells of one b-tree page
    db_path.write_bytes(bytes(data))
    caplog.set_level(logging.WARNING, logger="skill.persistence")

    fresh = SqliteAdapter(db_path)
    assert said_saved(stop_after_two_steps(talk_to(fresh))) is True
    (aside,) = damaged_copies(db_path)
    assert aside.read_bytes() == bytes(data), "the damaged file is kept exactly as it was"
    assert any("moved it aside" in r.getMessage() and aside.name in r.getMessage() for r in caplog.records)
    assert resume_offered(fresh)


def test_an_unreadable_file_is_moved_aside_and_a_fresh_one_used(db_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """The suite runs as root, for whom no permission bit forbids a read, so the two answers a
    non-root process would get are given here: SQLite cannot open the file, and it is not readable."""
    from skill.persistence import sqlite_adapter

    talk_to(SqliteAdapter(db_path)).launch()
    kept = db_path.read_bytes()
    real_open, real_access = sqlite_adapter._open_checked, os.access
    refused = {"left": 1}

    def open_once_refused(path: Path) -> sqlite3.Connection:
        if refused["left"]:
            refused["left"] -= 1
            raise sqlite3.OperationalError("unable to open database file")
        return real_open(path)

    monkeypatch.setattr(sqlite_adapter, "_open_checked", open_once_refused)
    monkeypatch.setattr(sqlite_adapter.os, "access", lambda path, mode: False if Path(path) == db_path
                        else real_access(path, mode))
    caplog.set_level(logging.WARNING, logger="skill.persistence")
    fresh = SqliteAdapter(db_path)
    assert said_saved(stop_after_two_steps(talk_to(fresh))) is True
    (aside,) = [p for p in db_path.parent.iterdir()
                if ".unreadable-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert aside.read_bytes() == kept, "the unreadable file is kept exactly as it was"
    assert any("unreadable" in r.getMessage() for r in caplog.records)


def test_kill_9_during_a_write_burst_loses_no_committed_write(db_path: Path) -> None:
    """A writer process is killed mid-burst; every write it reported committed is there, the file is sound."""
    writer = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.unit.test_persistence import envelope
        from skill.persistence import SqliteAdapter
        store = SqliteAdapter({str(db_path)!r})
        while True:
            store.update(envelope("burst"), lambda stored: {{"n": int(stored.get("n", 0)) + 1}})
            print(store.get_attributes(envelope("burst"))["n"], flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    reported = 0
    try:
        for line in process.stdout:  # reading blocks until the writer reports: no clock involved
            reported = int(line)
            if reported >= BURST_WRITES_BEFORE_KILL:
                os.kill(process.pid, signal.SIGKILL)
                break
    finally:
        process.kill()
        process.wait(timeout=10)
        process.stdout.close()
    assert reported >= BURST_WRITES_BEFORE_KILL
    from tests.unit.test_persistence import envelope

    after = SqliteAdapter(db_path)
    assert after.get_attributes(envelope("burst"))["n"] >= reported
    assert damaged_copies(db_path) == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- a small filesystem of our own: read-only and full ---------------------------------------------------------

@pytest.fixture
def small_mount(tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """A 256 KiB tmpfs; yields ``remount(options)``. Skipped where this test may not mount filesystems."""
    point = tmp_path / "mnt"
    point.mkdir()
    if not shutil.which("mount"):
        pytest.skip("no mount command on this machine")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(point)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {done.stderr.decode().strip()}")

    def remount(options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(point)], check=True, capture_output=True)

    try:
        yield remount
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_a_read_only_file_costs_no_answer_and_the_skill_does_not_claim_a_save(
        tmp_path: Path, small_mount: Callable[[str], None]) -> None:
    db_path = tmp_path / "mnt" / "skill.sqlite3"
    store = SqliteAdapter(db_path)
    assert said_saved(stop_after_two_steps(talk_to(store))) is True
    store.close()
    before = db_path.read_bytes()
    small_mount("ro")

    stuck = SqliteAdapter(db_path)
    assert said_saved(stop_after_two_steps(talk_to(stuck))) is False
    assert db_path.read_bytes() == before and damaged_copies(db_path) == []


def test_a_full_disk_costs_no_answer_no_false_saved_and_heals_once_space_returns(
        tmp_path: Path, small_mount: Callable[[str], None]) -> None:
    db_path = tmp_path / "mnt" / "skill.sqlite3"
    store = SqliteAdapter(db_path)
    talk_to(store).launch()
    filler = db_path.parent / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(descriptor, b"\0" * 4096):
            pass
    except OSError:
        pass  # the disk is full
    finally:
        os.close(descriptor)
    assert said_saved(stop_after_two_steps(talk_to(store, user_id="amzn1.ask.account.FULL"))) is False
    filler.unlink()
    assert said_saved(stop_after_two_steps(talk_to(store, user_id="amzn1.ask.account.FULL"))) is True


# --- DynamoDB (dynalite) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("in_memory", [False, True], ids=["on-disk", "in-memory"])
def test_dynalite_killed_and_restarted(dynalite_factory: Callable[..., Dynalite], in_memory: bool) -> None:
    server = dynalite_factory(in_memory=in_memory)
    store = DynamoDbStore(DynamoDbSettings("nrc-faults", REGION, server.endpoint, create_table=True))
    assert said_saved(stop_after_two_steps(talk_to(store))) is True

    server.kill()
    assert said_saved(stop_after_two_steps(talk_to(store))) is False  # answered in budget, honestly

    server.start()  # same port; in memory, every table is gone
    assert resume_offered(store) is not in_memory
    assert said_saved(stop_after_two_steps(talk_to(store))) is True  # the table was recreated if it had to be
    assert resume_offered(store)
