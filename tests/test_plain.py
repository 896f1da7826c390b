"""The rule modules are plain Python: importing one, with all it imports from app.*, loads no framework."""
import json
import subprocess
import sys

import pytest

from app import ROOT

RULES = ("app.instruments.scoring", "app.instruments.definition", "app.assessments.merge", "app.assessments.workflow",
         "app.assessments.photos", "app.rollups.stats", "app.regions.files", "app.rollups.cells", "app.inputs",
         "app.clock", "app.roles", "app.rollups.progress", "app.bimtek.nik", "app.bimtek.coverage",
         "app.bimtek.presence", "app.bimtek.gains", "app.followup.plans", "app.rollups.change")
FRAMEWORKS = ("flask", "werkzeug", "jinja2", "sqlalchemy", "wtforms", "alembic")  # flask covers flask_*
# Each package's __init__ makes a Flask blueprint (and app's builds the app), so the packages are stood
# in for by bare ones: what loads is the module and what it imports, and nothing a package would add.
LOAD = """
import importlib, json, sys, types
from pathlib import Path
app = Path(sys.argv[1])
for init in [app / "__init__.py", *app.rglob("*/__init__.py")]:
    name = ".".join(init.parent.relative_to(app.parent).parts)
    sys.modules[name] = types.ModuleType(name)
    sys.modules[name].__path__ = [str(init.parent)]
module = importlib.import_module(sys.argv[2])
print(json.dumps({"file": module.__file__, "modules": sorted(sys.modules)}))
"""


def loaded_with(module):
    """(the file `module` was loaded from, the frameworks importing it loaded) in a fresh interpreter."""
    # -I: neither the working directory nor PYTHONPATH can put the real app package on the path
    out = subprocess.run([sys.executable, "-I", "-c", LOAD, str(ROOT / "app"), module],
                         check=True, capture_output=True, text=True).stdout
    found = json.loads(out)
    frameworks = {name for name in found["modules"] if name.split(".")[0].startswith(FRAMEWORKS)}
    return found["file"], frameworks


@pytest.mark.parametrize("module", RULES)
def test_rule_modules_load_no_framework(module):
    file, frameworks = loaded_with(module)
    assert file == str(ROOT / (module.replace(".", "/") + ".py"))
    assert frameworks == set()


def test_the_check_sees_a_framework_reached_through_app():
    # app.models imports only app.* modules, and they import Flask-SQLAlchemy and Flask-Login
    _, frameworks = loaded_with("app.models")
    assert {"flask", "flask_login", "flask_sqlalchemy", "sqlalchemy", "werkzeug"} <= frameworks
