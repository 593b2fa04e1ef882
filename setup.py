"""Packages for setuptools (the rest of the metadata is in setup.cfg).

Why a setup.py: the top-level ``operators/`` folder installs as ``latentga.operators``
(``package_dir``), which setup.cfg's ``packages = find:`` cannot add to the packages it finds.
"""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["latentga", "latentga.*"]) + ["latentga.operators"],
      package_dir={"latentga.operators": "operators"})
