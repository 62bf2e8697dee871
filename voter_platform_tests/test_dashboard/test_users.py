"""`voter-platform users`: add, list, passwd, remove, as an operator runs them, and the file they keep."""

import io
import re
import stat

import pytest

from voter_platform.cli import main
from voter_platform.dashboard.users import UserFile
from voter_platform.settings import dashboard_secret_key, data_paths


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VOTER_PLATFORM_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def _run(capsys, *argv, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = main(["users", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _generated_password(out: str) -> str:
    [password] = re.findall(r"Password \(shown only now\): (\S+)", out)
    return password


def test_the_users_round_trip(data_dir, capsys, monkeypatch):
    users = UserFile(data_dir / "users.json")
    status, out, _ = _run(capsys, "add", "alice", "--states", "nc,PA")
    assert status == 0 and "Added alice: NC, PA" in out
    first = _generated_password(out)
    assert users.authenticate("alice", first).states == ("NC", "PA")

    status, out, _ = _run(
        capsys, "add", "boss", "--admin", "--password-stdin", stdin="a chosen password\n", monkeypatch=monkeypatch
    )
    assert status == 0 and "Password" not in out  # a given password is not repeated
    assert users.authenticate("boss", "a chosen password").admin

    status, out, _ = _run(capsys, "list")
    assert status == 0
    assert out.splitlines() == ["alice  NC, PA", "boss   admin (every state)"]

    status, out, _ = _run(capsys, "passwd", "alice")
    second = _generated_password(out)
    assert second != first
    assert users.authenticate("alice", first) is None and users.authenticate("alice", second)

    assert _run(capsys, "remove", "alice")[0] == 0
    assert users.authenticate("alice", second) is None
    assert _run(capsys, "list")[1].splitlines() == ["boss  admin (every state)"]


def test_the_users_file_is_the_owners_only_and_holds_no_password(data_dir, capsys):
    _, out, _ = _run(capsys, "add", "alice", "--states", "NC")
    password = _generated_password(out)
    users_file = data_dir / "users.json"
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    content = users_file.read_text()
    assert password not in content and "scrypt:" in content
    _run(capsys, "passwd", "alice")  # rewritten whole: still owner-only
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    assert "scrypt" not in _run(capsys, "list")[1]


def test_mistakes_are_refused_with_a_sentence(data_dir, capsys, monkeypatch):
    assert _run(capsys, "add", "carol", "--states", "NC,XX")[2].strip() == (
        "voter-platform users: not a state code: XX (use two-letter codes such as NC,PA)"
    )
    assert _run(capsys, "add", "dave", "--admin")[0] == 0
    assert "exists already" in _run(capsys, "add", "dave", "--admin")[2]
    assert (
        "at least 10 characters"
        in _run(capsys, "add", "erin", "--admin", "--password-stdin", stdin="short\n", monkeypatch=monkeypatch)[2]
    )
    assert "not a user name" in _run(capsys, "add", "two words", "--admin")[2]
    assert "no user 'nobody'" in _run(capsys, "remove", "nobody")[2]
    assert [user.name for user in UserFile(data_dir / "users.json").users()] == ["dave"]


def test_the_session_secret_is_generated_once_owner_only_unless_set(data_dir, monkeypatch):
    monkeypatch.delenv("VOTER_PLATFORM_DASHBOARD_SECRET", raising=False)
    paths = data_paths()
    key = dashboard_secret_key(paths)
    assert len(key) == 64 and dashboard_secret_key(paths) == key
    assert stat.S_IMODE(paths.dashboard_secret_file.stat().st_mode) == 0o600
    monkeypatch.setenv("VOTER_PLATFORM_DASHBOARD_SECRET", "from-the-environment")
    assert dashboard_secret_key(paths) == "from-the-environment"
