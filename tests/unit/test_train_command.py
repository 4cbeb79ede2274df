"""train.command's pieces: finding the program, running it (streamed, time-limited, the whole
process group stopped), and telling what it left in MODELCI_OUT. End to end: the integration
test of the same name."""

from __future__ import annotations

import io
import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from modelci import config, progress, training_script
from modelci.errors import UserError


def cfg_with(tmp_path: Path, command: str, extra: str = "") -> config.Config:
    text = f"data: {{train: t.csv, target: y}}\ntrain:\n  command: {command!r}\n{extra}"
    return config.loads(text, source=str(tmp_path / "modelci.yaml"), base_dir=tmp_path)


@pytest.fixture
def shown(monkeypatch):
    """What modelci prints on stderr while a command runs."""
    stream = io.StringIO()
    monkeypatch.setattr(progress, "current", progress.Progress(progress.NORMAL, stream))
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return stream


def script(tmp_path: Path, body: str, name: str = "job.py") -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


def run(argv: list[str], tmp_path: Path, timeout: float = 60) -> training_script.Finished:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return training_script.run_command(
        argv, cwd=tmp_path, env=env, timeout=timeout, title="train.command: job"
    )


# ---- the program is found before anything runs -------------------------------------------------


def test_a_program_not_on_path_is_one_line_naming_the_config_line(tmp_path):
    cfg = cfg_with(tmp_path, "no-such-trainer-xyz --epochs 3")
    with pytest.raises(UserError) as caught:
        training_script.command_words(cfg)
    line = caught.value.line()
    assert line.startswith(f"{tmp_path / 'modelci.yaml'}:3: train.command runs 'no-such-trainer")
    assert "not found on PATH" in line


def test_a_relative_program_is_resolved_in_the_config_folder_not_the_working_dir(
    tmp_path, monkeypatch
):
    (tmp_path / "train.sh").write_text("#!/bin/sh\necho hi\n")
    cfg = cfg_with(tmp_path, "./train.sh --fast")
    monkeypatch.chdir("/")
    with pytest.raises(UserError, match=r"train.sh, which is not executable.*chmod \+x"):
        training_script.command_words(cfg)
    (tmp_path / "train.sh").chmod(0o755)
    assert training_script.command_words(cfg) == [str(tmp_path / "./train.sh"), "--fast"]
    with pytest.raises(UserError, match="not a file"):
        training_script.command_words(cfg_with(tmp_path, "scripts/missing.sh"))


def test_a_program_on_path_is_found(tmp_path):
    words = training_script.command_words(cfg_with(tmp_path, "sh -c 'echo a b'"))
    assert Path(words[0]).name == "sh" and words[1:] == ["-c", "echo a b"]


# ---- running: streamed in order, tail kept, time limit ----------------------------------------


def test_output_lines_are_streamed_in_order_stdout_and_stderr_together(tmp_path, shown):
    argv = script(
        tmp_path,
        """
        import sys
        for i in range(30):
            print(f"epoch {i}", file=sys.stderr if i % 2 else sys.stdout)
        """,
    )
    finished = run(argv, tmp_path)
    assert finished.returncode == 0 and finished.shown
    lines = shown.getvalue().splitlines()
    assert lines[0] == "train.command: job …"
    assert lines[1:] == [f"  | epoch {i}" for i in range(30)]
    assert finished.tail == tuple(f"epoch {i}" for i in range(10, 30))


def test_on_github_actions_the_output_is_folded_in_a_group(tmp_path, shown, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    finished = run(script(tmp_path, "print('hello')"), tmp_path)
    assert shown.getvalue().splitlines() == ["::group::train.command: job", "hello", "::endgroup::"]
    assert not finished.shown  # folded: a failure prints the last lines again


def test_the_time_limit_stops_the_whole_process_group(tmp_path, shown):
    argv = script(
        tmp_path,
        """
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        print(child.pid, flush=True)
        time.sleep(120)
        """,
    )
    finished = run(argv, tmp_path, timeout=3)
    assert finished.returncode is None
    child = int(finished.tail[0])
    for _ in range(50):  # the kernel reaps the orphan shortly after
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the script's child {child} outlived the time limit")


@pytest.mark.parametrize(
    ("finished", "expected"),
    [
        (
            training_script.Finished(
                returncode=3, seconds=1.0, tail=("x", "Boom: bad", ""), shown=True
            ),
            "modelci.yaml:3: train.command failed with exit code 3 after 1.0 s; its last line: "
            "Boom: bad",
        ),
        (
            training_script.Finished(returncode=-9, seconds=2.0, tail=(), shown=True),
            "modelci.yaml:3: train.command was killed by SIGKILL after 2.0 s; it printed nothing",
        ),
        (
            training_script.Finished(returncode=None, seconds=2.0, tail=("epoch 7",), shown=True),
            "modelci.yaml:4: train.command ran longer than train.timeout (2 s) and was stopped; "
            "its last line: epoch 7",
        ),
    ],
)
def test_a_command_that_ends_badly_is_one_line_with_its_last_line(tmp_path, finished, expected):
    cfg = cfg_with(tmp_path, "python t.py", "  timeout: 2\n")
    with pytest.raises(UserError) as caught:
        training_script.check_finished(cfg, finished)
    assert caught.value.line().startswith(f"{tmp_path}/{expected}")
    training_script.check_finished(
        cfg, training_script.Finished(returncode=0, seconds=1, tail=(), shown=True)
    )


def test_lines_not_on_screen_are_printed_before_the_error(tmp_path, capsys):
    cfg = cfg_with(tmp_path, "python t.py")
    tail = tuple(f"line {i}" for i in range(20))
    with pytest.raises(UserError):
        training_script.check_finished(
            cfg, training_script.Finished(returncode=1, seconds=1, tail=tail, shown=False)
        )
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "the last 20 lines of train.command's output:"
    assert err[1:] == [f"  | line {i}" for i in range(20)]


# ---- what the script left in MODELCI_OUT -------------------------------------------------------


def test_files_are_listed_and_a_link_out_of_the_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    (out / "logs").mkdir(parents=True)
    (out / "model.skops").write_bytes(b"x")
    (out / "logs" / "fit.txt").write_text("ok")
    (out / "inside").symlink_to(out / "model.skops")
    assert training_script.written_files(out) == ["inside", "logs/fit.txt", "model.skops"]
    (out / "logs" / "model.json").symlink_to("/etc/passwd")
    with pytest.raises(UserError) as caught:
        training_script.written_files(out)
    assert caught.value.line().startswith(
        "$MODELCI_OUT/logs/model.json is a symbolic link to /etc/passwd, outside $MODELCI_OUT"
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([], "ended without writing a model or predictions into $MODELCI_OUT (it wrote nothing)"),
        (["notes.txt", "sub/model.skops"], "(it wrote notes.txt, sub/model.skops)"),
        (
            ["model.skops", "model.json"],
            "wrote model.json, model.skops into $MODELCI_OUT; modelci takes exactly one model file",
        ),
        (
            ["model.ubj", "predictions.csv"],
            "takes exactly one model or predictions file. "
            "Write either the model or its predictions",
        ),
    ],
)
def test_nothing_or_more_than_one_output_is_one_line(tmp_path, files, expected):
    with pytest.raises(UserError) as caught:
        training_script.chosen_output(tmp_path, files)
    assert expected in caught.value.line()


def test_the_one_output_is_chosen_among_other_files(tmp_path):
    assert training_script.chosen_output(tmp_path, ["log.txt", "model.ubj"]) == "model.ubj"
    assert training_script.chosen_output(tmp_path, ["predictions.parquet"]) == "predictions.parquet"


def test_an_inherited_id_column_variable_is_not_passed_on(tmp_path, monkeypatch):
    import pandas as pd

    from modelci.training import Dataset

    monkeypatch.setenv("MODELCI_ID_COLUMN", "stale")
    frame = pd.DataFrame({"x": [1.0], "y": [0]})
    dataset = Dataset(
        task="regression", target="y", train=frame, test=frame, facts={}, test_positions=[0]
    )
    env = training_script.environment(
        cfg_with(tmp_path, "python t.py"),
        dataset,
        train=tmp_path / "a",
        test=tmp_path / "b",
        out=tmp_path / "o",
    )
    assert "MODELCI_ID_COLUMN" not in env and env["MODELCI_TASK"] == "regression"
    assert env["MODELCI_SEED"] == "0" and env["PATH"] == os.environ["PATH"]


def test_python_missing_where_python3_exists_suggests_python3(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").write_text("#!/bin/sh\n")
    (bin_dir / "python3").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(UserError, match="Write python3"):
        training_script.command_words(cfg_with(tmp_path, "python train.py"))


def test_ctrl_c_while_the_script_runs_stops_it_too(tmp_path, shown, monkeypatch):
    import subprocess

    real_wait = subprocess.Popen.wait
    started: list[subprocess.Popen] = []

    def interrupted(self, timeout=None):
        if timeout == 60:  # the wait for the script itself: the user presses Ctrl-C
            started.append(self)
            raise KeyboardInterrupt
        return real_wait(self, timeout=timeout)

    monkeypatch.setattr(subprocess.Popen, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(script(tmp_path, "import time\ntime.sleep(120)\n"), tmp_path, timeout=60)
    assert started and started[0].poll() is not None, "the script outlived modelci"
