"""The package's public face: what students use is in ``helpers.__all__``, and nothing else is."""

import json
import re
import types
from pathlib import Path

import pytest

import helpers

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
ATTRIBUTE = re.compile(r"\bhelpers\.([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?")
# `from helpers import a, b as c` on one line, or `from helpers import (...)` over several
FROM_IMPORT = re.compile(r"^[ \t]*from helpers import (?:\(([^)]*)\)|([^\n]*))", re.MULTILINE)


def code_of(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def uses(path):
    """(name, attribute-or-None) for every helpers.X(.Y) and `from helpers import X` in a notebook's code."""
    return uses_in(code_of(path))


def uses_in(code):
    found = set(ATTRIBUTE.findall(code))
    for parenthesized, line in FROM_IMPORT.findall(code):
        names = re.sub(r"#[^\n]*", "", parenthesized or line)
        found |= {(name.split()[0], "") for name in names.split(",") if name.strip()}
    return sorted(found)


def test_uses_reads_imports_and_attributes_but_not_comments_after_them():
    code = ("from helpers import autodiff as ad, digits  # two modules\n"
            "from helpers import (\n    train,   # the loop\n    accuracy,\n)\n"
            "# helpers.train chooses (but these\n# loops are ours)\nx = helpers.gradcheck.finite_differences\n")
    assert uses_in(code) == [("accuracy", ""), ("autodiff", ""), ("digits", ""), ("gradcheck", "finite_differences"),
                             ("train", "")]


def test_every_name_in_all_exists():
    missing = [name for name in helpers.__all__ if not hasattr(helpers, name)]
    assert not missing, f"helpers.__all__ lists names the package does not have: {missing}"
    assert len(set(helpers.__all__)) == len(helpers.__all__), "helpers.__all__ lists a name twice"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_what_a_notebook_uses_is_public(path):
    problems = []
    for name, attribute in uses(path):
        value = getattr(helpers, name, None)
        if isinstance(value, types.ModuleType):  # a module of the package, named in code or in a comment
            if attribute and not hasattr(value, attribute):
                problems.append(f"helpers.{name}.{attribute} does not exist")
        elif name not in helpers.__all__:
            problems.append(f"helpers.{name} is used but not in helpers.__all__")
    assert not problems, f"{path.name}: " + "; ".join(problems)


def test_the_public_face_is_narrow():
    public = [name for name in dir(helpers) if not name.startswith("_")]
    modules = {name for name in public if isinstance(getattr(helpers, name), types.ModuleType)}
    extra = sorted(set(public) - set(helpers.__all__) - modules)
    assert not extra, f"helpers exposes names that are not in __all__ (import them from their modules): {extra}"
