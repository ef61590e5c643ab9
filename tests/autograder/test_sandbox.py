"""Does the sandboxed worker run probes, report what happened, and stop what it must?"""

from __future__ import annotations

import os
import sys

import pytest

from dlfs.autograder.sandbox import Limits, ProbeCall, run_worker
from dlfs.autograder.sandbox.splice import read_target

from .grading_helpers import reference_workspace, replace_body

CALLS = [ProbeCall("chapter1", "sigmoid", {}, 1), ProbeCall("chapter1", "sigmoid_fixture", {}, 2)]


@pytest.fixture
def workspace(tmp_path):
    return reference_workspace(tmp_path)


def _run(workspace, body=None, timeout=30.0):
    if body is not None:
        replace_body(workspace, "foundations:sigmoid", body)
    function = read_target(workspace, "foundations:sigmoid")
    return run_worker([function], CALLS, Limits(timeout=timeout, memory_mb=512))


def test_quick_workers_finish_without_waiting_for_the_timeout(workspace):
    for _ in range(5):
        run = _run(workspace)
        assert run.status == "finished", run.message
        assert [c.status for c in run.calls] == ["ok", "ok"]
        assert run.seconds < 30
    assert run.calls[1].arrays["output"].shape == (3,)
    assert run.calls[1].types == {"output": "ndarray"}


def test_an_endless_loop_is_stopped_at_the_timeout(workspace):
    run = _run(workspace, "while True:\n    pass", timeout=2)
    assert run.status == "timeout"
    assert [c.status for c in run.calls] == ["timeout", "not_run"]


def test_os_exit_is_a_crash_that_names_the_likely_cause(workspace):
    run = _run(workspace, "import os\nos._exit(3)")
    assert run.status == "crashed"
    assert "os._exit" in run.message
    assert run.calls[0].status == "crashed"


def test_an_exception_is_an_error_with_the_learner_s_line(workspace):
    run = _run(workspace, "return 1 / 0")
    assert run.status == "finished"
    assert run.calls[0].status == "error"
    assert "ZeroDivisionError" in run.calls[0].message
    assert "foundations.py:" in run.calls[0].message


def test_printed_output_is_captured_and_not_parsed(workspace):
    run = _run(workspace, "print('ALL PASSED 100/100')\nreturn x")
    assert "ALL PASSED" in run.output
    assert run.calls[0].status == "ok"


def test_a_non_numeric_output_is_an_error_not_a_pickle(workspace):
    run = _run(workspace, "return {'not': 'an array'}")
    assert run.calls[0].status == "error"
    assert "numeric array" in run.calls[0].message


def test_limits_refuse_nonsense():
    with pytest.raises(ValueError, match="timeout=0"):
        Limits(timeout=0)
    with pytest.raises(ValueError, match="memory_mb=1"):
        Limits(memory_mb=1)


def test_two_replies_arriving_together_are_both_read():
    """The pid and the exit of a quick worker often arrive in one read of the pipe."""
    import os
    from types import SimpleNamespace

    from dlfs.autograder.sandbox.server import ForkServer

    read_end, write_end = os.pipe()
    os.write(write_end, b'{"pid": 12}\n{"exit": 0}\n')
    server = object.__new__(ForkServer)  # only the reading half, on a pipe of our own
    server.process = SimpleNamespace(stdout=os.fdopen(read_end, "rb", buffering=0))
    server._pending = b""
    try:
        assert server._read(timeout=1) == {"pid": 12}
        assert server._read(timeout=1) == {"exit": 0}
        assert server._read(timeout=0.1) is None
    finally:
        server.process.stdout.close()
        os.close(write_end)


def test_a_forged_array_header_is_refused_before_anything_is_allocated(tmp_path):
    import zipfile

    import numpy as np

    from dlfs.autograder.sandbox.outputs import load_arrays

    honest = tmp_path / "honest.npz"
    np.savez(honest, output=np.arange(6.0).reshape(2, 3))
    assert load_arrays(honest)["output"].shape == (2, 3)

    header = {"descr": "<f8", "fortran_order": False, "shape": (2**40,)}
    member = tmp_path / "output.npy"
    with open(member, "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        f.write(b"\0" * 64)
    forged = tmp_path / "forged.npz"
    with zipfile.ZipFile(forged, "w") as archive:
        archive.write(member, "output.npy")
    with pytest.raises(ValueError, match="claims more data"):
        load_arrays(forged)


def test_an_honest_archive_reads_back_exactly_as_numpy_reads_it(tmp_path):
    import numpy as np

    from dlfs.autograder.sandbox.outputs import load_arrays

    rng = np.random.default_rng(7)
    arrays = {
        "scalar": np.float64(2.5),
        "empty": np.zeros((0, 3)),
        "fortran": np.asfortranarray(rng.normal(size=(3, 4, 2))),
        "big_endian": rng.normal(size=5).astype(">f8"),
        "ints": rng.integers(-9, 9, size=(2, 2), dtype=np.int16),
        "flags": rng.random(7) > 0.5,
        "complex": rng.normal(size=3) + 1j * rng.normal(size=3),
        "strided": rng.normal(size=(6, 6))[::2, 1::3],
    }
    path = tmp_path / "honest.npz"
    np.savez(path, **arrays)
    read = load_arrays(path)
    with np.load(path) as expected:
        assert sorted(read) == sorted(expected.files)
        for name in expected.files:
            assert read[name].dtype == expected[name].dtype, name
            assert read[name].shape == expected[name].shape, name
            np.testing.assert_array_equal(read[name], expected[name])
            assert read[name].flags.writeable, name


def test_the_grader_does_not_follow_links_the_worker_left(workspace):
    body = "import os\nos.remove('output.txt')\nos.symlink('/etc/passwd', 'output.txt')\nreturn x"
    run = _run(workspace, body)
    assert "root:" not in run.output


def test_the_process_limit_counts_the_user_s_running_tasks():
    import os

    from dlfs.autograder.sandbox.confine import _user_tasks

    running = _user_tasks(os.getuid())
    if running is None:
        pytest.skip("no /proc here")
    assert running >= 1  # this test's own process at least


def _isolated_listing(out: str, readable: tuple[str, ...] = ()) -> dict:
    """Fork a process that isolates itself as a worker does, with ``out`` as its folder, and
    report what it sees (or the error)."""
    import json

    from dlfs.autograder.sandbox.isolate import View, isolate
    from dlfs.autograder.sandbox.uids import worker_uid

    if os.geteuid() == 0:
        os.chown(out, worker_uid(0), worker_uid(0))
    child = os.fork()
    if child == 0:
        try:
            isolate(View(out, readable))
            seen = {"root": sorted(os.listdir("/")), "cwd": os.getcwd(), "uid": os.getuid()}
        except BaseException as error:
            seen = {"error": repr(error)}
        fd = os.open(os.path.join(out, "seen.json"), os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, json.dumps(seen).encode())
        os._exit(0)
    os.waitpid(child, 0)
    with open(os.path.join(out, "seen.json"), encoding="utf-8") as f:
        return json.load(f)


def test_a_worker_folder_below_a_tmpdir_inside_tmp_is_isolated():
    """Seen as an ordinary user with TMPDIR=/tmp/<user>: the worker's view was built over
    /tmp, which hid the folder it was to hold; the kernel also refuses to place a copy of a
    folder below a mount made over the folder's own parent."""
    import shutil
    import tempfile

    from dlfs.autograder.sandbox import isolation

    if not isolation().available:
        pytest.skip("workers cannot be isolated here")
    inside = tempfile.mkdtemp(dir="/tmp")
    try:
        out = tempfile.mkdtemp(dir=inside)
        os.chmod(inside, 0o755)
        seen = _isolated_listing(out)
        assert "error" not in seen, seen
        assert seen["cwd"] == out
        assert "tmp" in seen["root"]
        # no home folder, unless the Python installation lives in one (a course cloned in a
        # home folder with its venv inside): then only the folders on the way to it
        python_in_home = any(
            os.path.realpath(p).startswith("/home/") for p in (sys.prefix, sys.base_prefix)
        )
        assert "home" not in seen["root"] or python_in_home
    finally:
        shutil.rmtree(inside, ignore_errors=True)


def test_worker_files_that_are_fifos_do_not_block_the_grader(workspace):
    """The worker replaces every file the grader reads with a FIFO (reading one would wait
    for a writer forever) and runs out its time: the grader still ends at the timeout."""
    body = (
        "import os\n"
        "for name in ('output.txt', 'stack.txt', 'splice.json', 'sandbox.json'):\n"
        "    try:\n"
        "        os.remove(name)\n"
        "    except OSError:\n"
        "        pass\n"
        "    os.mkfifo(name)\n"
        "while True:\n"
        "    pass"
    )
    run = _run(workspace, body, timeout=3)
    assert run.status == "timeout" and run.seconds < 15
    assert run.stuck is None  # the stack dump was a FIFO: unknown, not waited for


def test_compressed_outputs_are_refused_before_they_expand(workspace):
    """The learner's code hooks the worker's writer: its outputs become a compressed array
    of a few hundred kB that would expand to 400 MB in the grader."""
    body = (
        "import numpy\n"
        "compressed = numpy.savez_compressed\n"
        "numpy.savez = lambda file, **arrays: compressed(file, output=numpy.zeros(50_000_000))\n"
        "return x"
    )
    run = _run(workspace, body)
    assert run.calls[0].status == "error"
    assert "compressed" in run.calls[0].message and run.calls[0].arrays == {}
