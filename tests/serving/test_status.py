"""The health status file: written atomically, judged fresh, connected and serving."""

import json

import pytest

from bot.serving.status import MAX_AGE_SECONDS, Status, check_health, read_status, status_path, write_status

NOW = 1_800_000_000.0


def status(**changes) -> Status:
    values = {"state": "connected", "serving": True, "heartbeat": NOW - 5, "pid": 42, "documents": 3, "guilds": 2}
    return Status(**{**values, **changes})


def test_a_written_status_reads_back_and_leaves_no_temporary_file(tmp_path):
    path = status_path(tmp_path / "cache")
    write_status(path, status())
    write_status(path, status(documents=4))
    assert read_status(path) == status(documents=4)
    assert [p.name for p in path.parent.iterdir()] == ["status.json"]


def test_connected_serving_and_fresh_is_healthy(tmp_path):
    path = tmp_path / "status.json"
    write_status(path, status())
    assert check_health(path, NOW) == (
        True,
        "healthy: connected to Discord in 2 server(s), serving 3 document(s); heartbeat 5 s ago",
    )


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (status(heartbeat=NOW - MAX_AGE_SECONDS - 1), "unhealthy: last heartbeat 61 s ago (then: connected)"),
        (status(state="waiting", detail="could not reach Discord: refused"), "unhealthy: waiting (could not reach"),
        (status(state="disconnected"), "unhealthy: disconnected"),
        (status(state="stopped"), "unhealthy: stopped"),
        (status(serving=False), "unhealthy: connected but no knowledge base is serving"),
    ],
)
def test_anything_else_is_unhealthy_with_the_reason(tmp_path, report, reason):
    path = tmp_path / "status.json"
    write_status(path, report)
    healthy, line = check_health(path, NOW)
    assert not healthy
    assert line.startswith(reason), line


def test_a_missing_or_damaged_file_is_unhealthy(tmp_path):
    path = tmp_path / "status.json"
    assert check_health(path, NOW)[1].startswith(f"unhealthy: no status file at {path}")
    path.write_text("{not json")
    assert check_health(path, NOW)[1].startswith(f"unhealthy: damaged status file {path}")
    path.write_text(json.dumps({"state": "connected"}))
    assert check_health(path, NOW)[1].startswith(f"unhealthy: damaged status file {path}: missing or wrong field")


def test_shard_processes_sharing_a_cache_folder_report_in_separate_files(tmp_path):
    assert status_path(tmp_path) == tmp_path / "status.json"
    assert status_path(tmp_path, (0, 1)) != status_path(tmp_path, (2, 3))
