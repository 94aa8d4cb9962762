"""The house rules a machine can check (README, "Architecture"): a task imports services inside
its body and nothing of the project at module level; a service imports the task it enqueues at
module level, never inside a function. (The layers themselves are import-linter's: `.importlinter`.)"""

import ast
from pathlib import Path

from django.conf import settings

LMS = Path(settings.BASE_DIR) / "lms"


def _project_import(node):
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").startswith(("lms", "content"))
    if isinstance(node, ast.Import):
        return any(alias.name.startswith(("lms", "content")) for alias in node.names)
    return False


def _imports_tasks(node):
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return module == "tasks" or module.endswith(".tasks") or any(a.name == "tasks" for a in node.names)
    return False


def test_tasks_import_the_project_only_inside_their_bodies():
    offenders = []
    for path in sorted(LMS.glob("*/tasks.py")):
        tree = ast.parse(path.read_text())
        offenders += [f"{path.relative_to(LMS)}:{node.lineno}" for node in tree.body if _project_import(node)]
    assert offenders == []


def test_services_import_their_tasks_at_module_level():
    offenders = []
    for path in sorted(LMS.rglob("*.py")):
        if path.name in {"tasks.py", "apps.py"} or "migrations" in path.parts:  # apps.py: the wiring in ready()
            continue
        tree = ast.parse(path.read_text())
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            offenders += [
                f"{path.relative_to(LMS)}:{node.lineno}" for node in ast.walk(function) if _imports_tasks(node)
            ]
    assert offenders == []
