"""Build hook (the rest of the metadata is in pyproject.toml): a wheel carries the npm
packages the runtime provides to apps (sandbox/vendor/node_modules, ~8 MB zipped), so a
plain `pip install brygge` serves official-CLI bundles that require lodash, ajv, yup, ...
The set is installed with `npm ci` from the committed sandbox/vendor/package-lock.json
when node_modules is missing or does not match it. Without npm the build stops with one
line naming the fix; BRYGGE_BUILD_WITHOUT_NPM=1 builds a wheel without the set instead
(bundles that require one of those packages then fail with "Cannot find module").
Editable installs read the source tree and are left alone (scripts/*.sh vendor there).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _npm_vendor():  # sandbox/npm_vendor.py, loaded by path: importing the package needs its deps
    spec = importlib.util.spec_from_file_location("_brygge_npm_vendor",
                                                  HERE / "sandbox" / "npm_vendor.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class BuildPyWithNpmSet(build_py):
    def run(self) -> None:
        if not getattr(self, "editable_mode", False) \
                and os.environ.get("BRYGGE_BUILD_WITHOUT_NPM") != "1":
            npm_vendor = _npm_vendor()
            directory = HERE / "sandbox" / "vendor"
            if not npm_vendor.is_current(directory):
                try:
                    npm_vendor.npm_ci(directory)
                except npm_vendor.NpmMissing as e:
                    raise SystemExit(f"brygge build: {e}, or set BRYGGE_BUILD_WITHOUT_NPM=1 to "
                                     "build without them") from None
                if not npm_vendor.is_current(directory):
                    raise SystemExit("brygge build: npm ci did not produce what "
                                     "sandbox/vendor/package-lock.json pins")
            # package_data globs are expanded lazily: forget any expansion made before npm ran
            self.__dict__.pop("data_files", None)
        super().run()


setup(cmdclass={"build_py": BuildPyWithNpmSet})
