"""Map the top-level folders onto the one import namespace ``dlfs``.

``reference/`` becomes ``dlfs.reference``, ``autograder/`` ``dlfs.autograder`` and so on, with
every sub-package found automatically. Everything else lives in pyproject.toml.
"""

from setuptools import find_packages, setup

TOP_LEVEL = ("reference", "autograder", "datasets", "exercises")

packages = [
    f"dlfs.{name}"
    for name in find_packages(include=[f"{top}*" for top in TOP_LEVEL])
    if name.split(".")[0] in TOP_LEVEL
]
package_dir = {f"dlfs.{top}": top for top in TOP_LEVEL}

setup(packages=packages, package_dir=package_dir)
