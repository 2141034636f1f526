"""deckgen's imports against pyproject.toml: a module the package imports is a dependency.

The dev extras bring many packages along (click came with Dask), so an undeclared
import can pass every other test and still break `make site` on a fresh machine.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[(]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _requirements(dist: str) -> list[str]:
    try:
        return requires(dist) or []
    except PackageNotFoundError:  # an extra not installed here (torch, pagefind)
        return []


def _imports(folder: str = "deckgen") -> list[tuple[str, str, bool]]:
    """(file, top-level module, imported at module level) for every third-party import."""
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("deckgen", "benchmarks"):
                    found.append((path.relative_to(ROOT).as_posix(), top, node in tree.body))
    return found


def test_every_module_deckgen_imports_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {_name(r) for r in project["dependencies"]}
    optional = {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    # an optional extra's own requirements count for imports inside functions (dask for
    # distributed), as long as the import is guarded there
    optional |= {_name(r) for dist in optional for r in _requirements(dist) if "extra ==" not in r}
    owners = packages_distributions()
    wrong = []
    for file, module, top_level in _imports():
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
        allowed = core if top_level else core | optional
        if not dists & allowed:
            wrong.append(f"{file}: imports {module} ({', '.join(sorted(dists))})")
    assert not wrong, "not declared in pyproject.toml:\n" + "\n".join(wrong)


def test_every_module_a_benchmark_imports_is_declared_in_an_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r) for r in project["dependencies"]}
    declared |= {_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    owners = packages_distributions()
    wrong = sorted({f"{file}: imports {module}" for file, module, _ in _imports("benchmarks")
                    if not {d.lower().replace("_", "-") for d in owners.get(module, [module])}
                    & declared})
    assert not wrong, "not declared in pyproject.toml (`make bench` needs them):\n" + "\n".join(
        wrong)


def test_the_wheel_carries_the_models_training_data_and_site_templates(tmp_path):
    import shutil
    import subprocess
    import zipfile

    # built from a copy: setuptools would write its own build/ into the tree, beside deckgen's
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source)
    for name in ("deckgen", "site_templates"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    # with build isolation, as `make site` installs it: pyproject's setuptools, not the venv's
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path / "dist"), str(source)], check=True, capture_output=True)
    names = set(zipfile.ZipFile(next((tmp_path / "dist").glob("deckgen-*.whl"))).namelist())
    templates = {f"deckgen/site_templates/{p.relative_to(ROOT / 'site_templates').as_posix()}"
                 for p in (ROOT / "site_templates").rglob("*") if p.is_file()}
    assert templates and templates <= names
    assert {"deckgen/models/classifier.json", "deckgen/models/sr_x4.onnx",
            "deckgen/training/slides.txt"} <= names


def test_make_passes_args_to_the_commands_the_readme_gives_them_for():
    """`make serve ARGS="--port N"` is how the README picks another port (QA-65: ARGS went to
    build and pytest only, and a busy port 8000 could not be left from make)."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("make") is None:
        pytest.skip("no make here")
    for target, command, args in (("serve", "deckgen serve", "--port 18999"),
                                  ("site", "deckgen build", "--workers 1")):
        dry = subprocess.run(["make", "-n", target, f"ARGS={args}"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert any(command in line and line.rstrip().endswith(args)
                   for line in dry.stdout.splitlines()), dry.stdout


def test_make_sample_refuses_a_corpus_with_files_git_has_not_committed(tmp_path):
    """`make sample` deletes corpus/ whole: it must not take a user's decks (`deckgen add`)
    or hand labels with it unless told to (QA-81). Run on a copy of the Makefile, in a git
    checkout of its own and in a folder that is none."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("make") is None or shutil.which("git") is None:
        pytest.skip("no make or git here")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    deck = tmp_path / "corpus" / "acme"
    deck.mkdir(parents=True)
    (deck / "deck.toml").write_text('company = "Acme"\n')

    def make(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["make", *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=60)

    refused = make("sample")  # not a git checkout: nothing tells the sample's files apart
    assert refused.returncode != 0 and "FORCE=1" in refused.stderr, refused.stderr
    assert "not a git checkout" in refused.stderr

    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "corpus"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sample"], cwd=tmp_path, check=True)
    assert make("corpus-committed").returncode == 0  # as committed: make sample may go on

    (deck / "deck.toml").write_text('company = "Acme"\n[sections]\n3 = "market"\n')
    (tmp_path / "corpus" / "mine").mkdir()
    (tmp_path / "corpus" / "mine" / "001.jpg").write_bytes(b"a deck of the user's")
    refused = make("sample")
    assert refused.returncode != 0, refused.stdout
    assert "corpus/acme/deck.toml" in refused.stderr and "corpus/mine/" in refused.stderr
    assert (tmp_path / "corpus" / "mine" / "001.jpg").exists()  # nothing deleted
    assert make("corpus-committed", "FORCE=1").returncode == 0
