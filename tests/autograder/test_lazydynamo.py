"""``torch._dynamo`` deferred in chapter 7's fork server: the same numbers, no import until
something compiles (each case in a fresh interpreter: the import is once per process)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TRAIN = """
import json, sys
import torch
if STAND_IN:
    from dlfs.autograder.sandbox import lazydynamo
    lazydynamo.install()
torch.manual_seed(3)
model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
optims = [torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True),
          torch.optim.Adam(model.parameters(), lr=0.01)]
schedule = torch.optim.lr_scheduler.ExponentialLR(optims[0], gamma=0.5)
X, y = torch.randn(8, 4), torch.randn(8, 2)
for step in range(4):
    optim = optims[step % 2]
    optim.zero_grad()
    loss = torch.nn.functional.mse_loss(model(X), y)
    loss.backward()
    optim.step()
    schedule.step()
state = optims[1].state_dict()
optims[1].load_state_dict(state)
print(json.dumps({
    "weights": [p.detach().double().flatten().tolist() for p in model.parameters()],
    "dynamo": type(sys.modules.get("torch._dynamo")).__name__,
    "loaded_real": "torch._dynamo.eval_frame" in sys.modules,
}))
"""


def _run(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_optimizers_take_the_same_steps_without_importing_dynamo():
    plain = _run("STAND_IN = False\n" + TRAIN)
    deferred = _run("STAND_IN = True\n" + TRAIN)
    assert deferred["weights"] == plain["weights"]  # bit for bit
    assert plain["loaded_real"]  # PyTorch's own step imports it: what the stand-in saves
    assert deferred["dynamo"] == "StandIn" and not deferred["loaded_real"]


def test_code_that_compiles_gets_the_real_module_and_steps_still_work():
    result = _run(
        """
        import json, sys
        import torch
        from dlfs.autograder.sandbox import lazydynamo
        lazydynamo.install()
        model = torch.nn.Linear(3, 1)
        optim = torch.optim.SGD(model.parameters(), lr=0.1)
        optim.zero_grad()  # disable()d through the stand-in, before the real module
        model(torch.ones(2, 3)).sum().backward()
        optim.step()
        double = torch.compile(lambda x: 2 * x, backend="eager")
        out = double(torch.arange(3.0)).tolist()

        def step():
            optim.zero_grad()
            model(torch.ones(2, 3)).sum().backward()
            optim.step()

        torch.compile(step, backend="eager")()  # graph breaks and disabled calls are real now
        print(json.dumps({
            "out": out,
            "module": type(sys.modules["torch._dynamo"]).__name__,
            "attribute": type(torch._dynamo).__name__,
        }))
        """
    )
    assert result == {"out": [0.0, 2.0, 4.0], "module": "module", "attribute": "module"}


def test_chapter7s_fork_server_preloads_the_stand_in():
    from dlfs.autograder.grading.expected import ReferenceAnswers, StoredAnswers
    from dlfs.autograder.sandbox.servers import TORCH

    assert TORCH.index("dlfs.autograder.sandbox.lazydynamo:install") == TORCH.index("torch") + 1
    for answers in (ReferenceAnswers(), StoredAnswers()):
        assert answers.preload("chapter7")[: len(TORCH)] == TORCH
