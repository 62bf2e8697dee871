"""The landing sensor: settled files become one run per partition, nothing is missed or run twice."""

from __future__ import annotations

import gzip
import json
import logging
import os
import time
from pathlib import Path

import dagster as dg
import pytest

from voter_platform.defs.elections.assets import election_reference_assets
from voter_platform.defs.elections.jobs import all_cycles_tags
from voter_platform.defs.ingest import sensors
from voter_platform.defs.ingest.resources import LandingFolder
from voter_platform.defs.ingest.sensors import LandingCursor, landing_sensor, plan_tick
from voter_platform.lib.ingest.formats import CANONICAL_HISTORY_HEADER, CANONICAL_VOTER_HEADER
from voter_platform.lib.landing import LandingFile, SettleRules, describe, ends_mid_line

DAY = "2026-11-20"


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture(scope="module")
def instance_with_reference():
    """One instance for the tests that start after the election reference is loaded (sensors only
    read the instance, so they can share it)."""
    with dg.instance_for_test() as test_instance:
        load_reference(test_instance)
        yield test_instance


def load_reference(instance: dg.DagsterInstance) -> None:
    """As if the election reference had been materialized."""
    for assets_def in election_reference_assets:
        for key in assets_def.keys:
            instance.report_runless_asset_event(dg.AssetMaterialization(key, partition="2024"))


def drop(landing: Path, name: str, header: tuple[str, ...] = CANONICAL_VOTER_HEADER, lines: int = 2) -> Path:
    path = landing / name
    path.write_text("\n".join([",".join(header)] + [",".join("x" for _ in header)] * lines) + "\n")
    return path


class _Messages(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Sensor:
    """Ticks the sensor like the daemon does, carrying the cursor from tick to tick."""

    def __init__(self, instance: dg.DagsterInstance, landing: Path):
        self.instance, self.landing, self.cursor = instance, landing, None
        self.log = _Messages()

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            resources={"landing": LandingFolder(data_dir=str(self.landing.parent))},
        )
        context.log.addHandler(self.log)
        result = landing_sensor(context)
        self.cursor = result.cursor
        return result

    def logged(self, text: str) -> bool:
        return any(text in message for message in self.log.messages)

    @property
    def state(self) -> LandingCursor:
        return LandingCursor.parse(self.cursor)


@pytest.fixture
def sensor(instance_with_reference, landing) -> Sensor:
    return Sensor(instance_with_reference, landing)


def ingest_requests(result: dg.SensorResult) -> list[dg.RunRequest]:
    return [request for request in result.run_requests or [] if request.job_name == "ingest_job"]


def test_runs_by_default():
    assert landing_sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_a_file_is_requested_once_it_looks_the_same_twice(sensor, landing):
    path = drop(landing, f"voters_NC_{DAY}.csv")
    first = sensor.tick()
    assert not first.run_requests and "1 file(s) still settling" in first.skip_reason.skip_message
    (request,) = ingest_requests(sensor.tick())
    seen = describe(path)
    assert request.partition_key == DAY
    assert request.run_key == f"{DAY}|{path.name}:{seen.mtime_ns}:{seen.size}"
    assert request.run_config["ops"]["raw_voter_files"]["config"]["files"] == [path.name]
    # The run tells a failure once on the console (defs/console.py): its logger is named in the request.
    assert request.run_config["loggers"] == {"console": {"config": {}}}
    assert sensor.state.requested == {path.name: f"{seen.mtime_ns}:{seen.size}"}
    assert sensor.state.max_mtime_ns == seen.mtime_ns
    # Nothing changed: nothing more to do.
    assert not sensor.tick().run_requests


def test_a_growing_file_waits(sensor, landing):
    path = drop(landing, f"voters_NC_{DAY}.csv")
    sensor.tick()
    with path.open("a") as handle:  # still being copied
        handle.write(",".join("y" for _ in CANONICAL_VOTER_HEADER) + "\n")
    assert not sensor.tick().run_requests
    (request,) = ingest_requests(sensor.tick())
    assert request.run_key.endswith(f":{path.stat().st_size}")


def test_voters_and_history_of_a_date_share_one_run(sensor, landing):
    voters = drop(landing, f"voters_NC_{DAY}.csv")
    history = drop(landing, f"vote_history_NC_{DAY}.csv", CANONICAL_HISTORY_HEADER)
    other = drop(landing, "voters_PA_2026-11-21.csv")
    sensor.tick()
    requests = ingest_requests(sensor.tick())
    assert [
        (request.partition_key, request.run_config["ops"]["raw_voter_files"]["config"]["files"]) for request in requests
    ] == [
        (DAY, sorted([history.name, voters.name])),
        ("2026-11-21", [other.name]),
    ]


def test_a_corrected_file_with_the_same_name_runs_again_with_its_partner(sensor, landing):
    voters = drop(landing, f"voters_NC_{DAY}.csv")
    history = drop(landing, f"vote_history_NC_{DAY}.csv", CANONICAL_HISTORY_HEADER)
    sensor.tick()
    (first,) = ingest_requests(sensor.tick())
    drop(landing, voters.name, lines=3)
    sensor.tick()
    (second,) = ingest_requests(sensor.tick())
    assert second.run_key != first.run_key
    assert second.run_config["ops"]["raw_voter_files"]["config"]["files"] == sorted([history.name, voters.name])


def test_a_late_file_with_an_old_mtime_is_not_missed(sensor, landing):
    drop(landing, f"voters_NC_{DAY}.csv")
    sensor.tick()
    sensor.tick()
    late = drop(landing, "voters_PA_2026-11-19.csv")
    os.utime(late, (1_600_000_000, 1_600_000_000))  # copied with its 2020 timestamp kept
    assert describe(late).mtime_ns < sensor.state.max_mtime_ns
    sensor.tick()
    (request,) = ingest_requests(sensor.tick())
    assert request.partition_key == "2026-11-19"


def test_a_file_without_a_date_uses_its_modification_day(sensor, landing):
    path = drop(landing, "goodparty_voters.csv")
    os.utime(path, (1_795_000_000, 1_795_000_000))  # 2026-11-18 UTC
    sensor.tick()
    (request,) = ingest_requests(sensor.tick())
    assert request.partition_key == "2026-11-18"


def test_an_unknown_file_is_reported_and_still_requested_so_its_partition_says_why(sensor, landing):
    notes = landing / f"notes_{DAY}.txt"
    notes.write_text("remember to call the county\n")
    sensor.tick()
    (request,) = ingest_requests(sensor.tick())
    assert request.run_config["ops"]["raw_voter_files"]["config"]["files"] == [notes.name]
    assert sensor.logged(f"{notes.name}: not a voter file the platform knows: line 1 is not a header")


def test_an_unreadable_file_is_retried_and_never_stops_the_sensor(sensor, landing, monkeypatch):
    path = drop(landing, f"voters_NC_{DAY}.csv")
    readable = sensors.header_problem

    def locked(file):
        if file.name == path.name:
            raise PermissionError(13, "Permission denied")
        return readable(file)

    monkeypatch.setattr(sensors, "header_problem", locked)
    sensor.tick()
    assert not sensor.tick().run_requests
    assert sensor.logged(f"{path.name}: cannot be read (Permission denied); will look again")
    monkeypatch.setattr(sensors, "header_problem", readable)
    sensor.tick()
    assert len(ingest_requests(sensor.tick())) == 1


def test_a_date_outside_the_partitions_is_reported(sensor, landing):
    drop(landing, "voters_NC_2010-01-05.csv")
    sensor.tick()
    assert not sensor.tick().run_requests
    assert sensor.logged("snapshot date 2010-01-05 is outside the analysis dates")


def test_files_that_leave_the_folder_leave_the_cursor(sensor, landing):
    path = drop(landing, f"voters_NC_{DAY}.csv")
    sensor.tick()
    sensor.tick()
    path.unlink()
    sensor.tick()
    assert sensor.state.requested == {} and sensor.state.looks == {}


def test_hidden_and_temporary_files_are_ignored(sensor, landing):
    drop(landing, f".voters_NC_{DAY}.csv.tmp")
    drop(landing, f"voters_NC_{DAY}.csv.part")
    sensor.tick()
    assert not sensor.tick().run_requests


def test_election_reference_is_loaded_before_the_first_ingest(instance, landing, monkeypatch):
    sensor = Sensor(instance, landing)
    path = drop(landing, f"voters_NC_{DAY}.csv")
    sensor.tick()
    (reference,) = sensor.tick().run_requests
    assert reference.job_name == "elections_job"
    assert reference.tags == all_cycles_tags()
    assert path.name not in sensor.state.requested  # held, not forgotten

    monkeypatch.setattr(sensors, "_reference_state", lambda instance: "running")
    waiting = sensor.tick()
    assert (
        not waiting.run_requests
        and waiting.skip_reason.skip_message == "waiting for the election reference run to finish"
    )

    monkeypatch.undo()
    load_reference(instance)
    (request,) = sensor.tick().run_requests
    assert (request.job_name, request.partition_key) == ("ingest_job", DAY)


def test_a_failed_reference_run_does_not_block_the_ingest(instance, landing, monkeypatch):
    monkeypatch.setattr(sensors, "_reference_state", lambda instance: "failed")
    sensor = Sensor(instance, landing)
    drop(landing, f"voters_NC_{DAY}.csv")
    sensor.tick()
    assert len(ingest_requests(sensor.tick())) == 1


def test_cursor_is_json_with_mtimes_not_wall_clock(sensor, landing):
    path = drop(landing, f"voters_NC_{DAY}.csv")
    sensor.tick()
    sensor.tick()
    data = json.loads(sensor.cursor)
    assert set(data) == {"max_mtime_ns", "requested", "looks"}
    assert data["max_mtime_ns"] == describe(path).mtime_ns


def test_a_file_in_a_state_subfolder_is_requested_by_its_path(sensor, landing):
    """landing/FL/... says the state of a headerless file; the run names the file by its path."""
    (landing / "FL").mkdir()
    path = drop(landing / "FL", f"voters_FL_{DAY}.csv")
    (landing / "archive").mkdir()  # not a state: not read
    drop(landing / "archive", f"voters_NC_{DAY}.csv")
    sensor.tick()
    (request,) = ingest_requests(sensor.tick())
    assert request.run_config["ops"]["raw_voter_files"]["config"]["files"] == ["FL/" + path.name]


def test_the_warehouse_pool_is_registered_in_the_instance_before_the_first_run(landing):
    """One writer at a time from the first run, whatever the instance's dagster.yaml says (fault 3 of issue 13)."""
    with dg.instance_for_test() as instance:
        assert "warehouse" not in {pool.name for pool in instance.event_log_storage.get_pool_limits()}
        drop(landing, f"voters_NC_{DAY}.csv")
        Sensor(instance, landing).tick()
        [pool] = [pool for pool in instance.event_log_storage.get_pool_limits() if pool.name == "warehouse"]
        assert (pool.limit, pool.from_default) == (1, False)


# --- half-written files (fault 2 of issue 13) ---------------------------------------------------------------------


def _landing_file(path: Path, mtime: float) -> LandingFile:
    os.utime(path, (mtime, mtime))
    return describe(path)


def _two_ticks(files: list[LandingFile], now: float, rules: SettleRules):
    first = plan_tick(files, LandingCursor(), now=now, rules=rules)
    return first, plan_tick(files, first.cursor, now=now + 30, rules=rules)


def test_a_file_whose_writer_paused_is_not_taken_before_the_quiet_period(landing):
    """Two equal looks 30 s apart: not enough when the file changed less than the quiet period ago."""
    now = time.time()
    path = drop(landing, f"voters_NC_{DAY}.csv")
    rules = SettleRules(quiet_seconds=120, unfinished_line_seconds=0)
    _, second = _two_ticks([_landing_file(path, now - 40)], now, rules)
    assert second.ready == {}
    assert second.reasons[path.name] == "changed 70 s ago (quiet period 120 s)"
    _, later = _two_ticks([_landing_file(path, now - 200)], now, rules)
    assert list(later.ready) == [DAY]


def test_a_file_whose_last_line_has_no_line_end_waits_for_the_grace_period(landing):
    now = time.time()
    path = drop(landing, f"voters_NC_{DAY}.csv")
    path.write_bytes(path.read_bytes() + b"NC0000099,Ada,Q,Lovel")  # cut in the middle of a record
    rules = SettleRules(quiet_seconds=0, unfinished_line_seconds=600)
    _, second = _two_ticks([_landing_file(path, now - 60)], now, rules)
    assert second.ready == {}
    assert second.reasons[path.name].startswith("its last line has no line end: still being written?")
    # Nobody finished it in ten minutes: it is taken as it is (the ingest then reports its last line).
    _, later = _two_ticks([_landing_file(path, now - 700)], now, rules)
    assert list(later.ready) == [DAY]


def test_a_utf16_file_ending_with_its_line_end_is_finished(landing):
    path = landing / f"VR_Snapshot_{DAY.replace('-', '')}.txt"
    path.write_bytes("\ufeffa\tb\r\n1\t2\r\n".encode("utf-16-le"))
    assert not ends_mid_line(path)
    path.write_bytes("\ufeffa\tb\r\n1\t2".encode("utf-16-le"))
    assert ends_mid_line(path)


def test_a_voters_file_waits_for_its_vote_history_still_being_copied(landing):
    """The finished voters file is not loaded alone: the date is requested when both are finished, together."""
    now = time.time()
    voters = drop(landing, f"voters_NC_{DAY}.csv")
    history = drop(landing, f"vote_history_NC_{DAY}.csv", CANONICAL_HISTORY_HEADER)
    rules = SettleRules(quiet_seconds=60, unfinished_line_seconds=0)
    files = [_landing_file(voters, now - 300), _landing_file(history, now - 10)]
    _, second = _two_ticks(files, now, rules)
    assert second.ready == {} and second.held == {DAY: [history.name]}
    # The history is finished (its last change 100 s ago): looked at twice, then one request with both files.
    files = [_landing_file(voters, now - 300), _landing_file(history, now - 100)]
    third = plan_tick(files, second.cursor, now=now + 60, rules=rules)
    assert third.ready == {}
    fourth = plan_tick(files, third.cursor, now=now + 90, rules=rules)
    assert sorted(file.name for file in fourth.ready[DAY]) == sorted([history.name, voters.name])


def test_a_compressed_delivery_is_not_reported_as_an_unknown_file(sensor, landing):
    # Ohio delivers its SWVF as .txt.gz parts: the sensor must not read the compressed bytes as a header.
    plain = drop(landing, f"voters_NC_{DAY}.csv")
    packed = landing / f"voters_NC_{DAY}.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    sensor.tick()
    assert len(ingest_requests(sensor.tick())) == 1
    assert not sensor.logged("not a voter file the platform knows")


def test_an_empty_county_part_is_no_unknown_file_to_the_sensor(tmp_path):
    """A county file a state wrote empty is left to the run, which tells it by the other parts; any other
    empty file is named as one."""

    def problem(name: str) -> str | None:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
        return sensors.header_problem(LandingFile(path, 0, 0.0, "2026-12-08", "file name", name))

    assert problem("VR_12_20261208.txt") is None
    assert problem("TX/VH_12_20261208.txt") is None
    assert problem("voters_NC_2026-12-08.csv") == "the file is empty"
    assert problem("OH/VR_12_20261208.txt") == "the file is empty"  # no Ohio layout names its parts so
