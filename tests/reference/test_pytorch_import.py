"""The PyTorch track is optional: ``dlfs.reference`` imports without PyTorch, and its names
then raise an ImportError that says how to install the extra.

These tests simulate a missing PyTorch in a subprocess (``sys.modules["torch"] = None``), so
they run, and matter most, where PyTorch is not installed: no ``importorskip`` here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

INSTALL = 'pip install -e ".[torch]"'


def _run(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


WITHOUT_TORCH = """
import json, sys
sys.modules["torch"] = None  # `import torch` now raises ImportError
import dlfs.reference
import dlfs.reference.pytorch as pt
from dlfs.reference import *  # the PyTorch names are not in __all__

errors = {}
for where, name in [(pt, "DenseLayer"), (pt, "PyTorchTrainer"), (pt, "Autoencoder"),
                    (dlfs.reference, "TorchLSTMLayer"), (dlfs.reference, "MNIST_ConvNet")]:
    try:
        getattr(where, name)
        errors[name] = None
    except ImportError as err:
        errors[name] = str(err)
try:
    import dlfs.reference.pytorch.layers
    errors["direct submodule"] = None
except ImportError as err:
    errors["direct submodule"] = str(err)
print(json.dumps({"errors": errors, "numpy_autoencoder": dlfs.reference.DenseAutoencoder.__name__}))
"""


def test_without_torch_the_reference_imports_and_torch_names_say_how_to_install() -> None:
    result = _run(WITHOUT_TORCH)
    assert result["numpy_autoencoder"] == "DenseAutoencoder"
    for name, message in result["errors"].items():
        assert message is not None, f"{name} did not raise ImportError without torch"
        assert INSTALL in message, f"{name}: {message}"


def test_importing_the_reference_does_not_import_torch() -> None:
    result = _run(
        """
        import json, sys
        import dlfs.reference, dlfs.reference.pytorch
        print(json.dumps({"torch": "torch" in sys.modules}))
        """
    )
    assert result == {"torch": False}


def test_unknown_names_are_attribute_errors() -> None:
    import dlfs.reference
    import dlfs.reference.pytorch

    with pytest.raises(AttributeError, match="NoSuchLayer"):
        dlfs.reference.pytorch.NoSuchLayer  # noqa: B018
    with pytest.raises(AttributeError, match="NoSuchLayer"):
        dlfs.reference.NoSuchLayer  # noqa: B018


@pytest.mark.torch
def test_with_torch_the_flat_names_are_the_subpackage_classes() -> None:
    pytest.importorskip("torch")
    import dlfs.reference as ref
    import dlfs.reference.pytorch as pt

    assert ref.TorchLSTMLayer is pt.LSTMLayer
    assert ref.PyTorchTrainer is pt.PyTorchTrainer
    assert "TorchLSTMLayer" in dir(ref)
    assert getattr(ref, "LSTMLayer", None) is not pt.LSTMLayer  # the flat name is chapter 6's
