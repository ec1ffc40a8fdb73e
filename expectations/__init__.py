"""The rules (per report, per figure the text states, across years): catalogue (rules.py), SQL (sql.py), GX (validate.py), README rendered
from the catalogue (render_readme.py).

The names below are imported when first used (PEP 562): ``expectations.finding`` or
``expectations.rules`` alone must not import DuckDB and the warehouse (``gongkai check``
prints findings in a process that did not evaluate them: importing them there cost 0.06 s of
its 0.9)."""

import importlib
import sys
import types

_WHERE = {"check_report": "evaluate", "check_reports": "evaluate", "evaluate": "evaluate",
          "store": "evaluate", "CATALOGUE": "rules", "RULES": "rules", "Rule": "rules",
          "rule": "rules"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'expectations' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"expectations.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """``expectations.evaluate`` is the function, as it always was, though a submodule has the
    same name: importing the submodule would set the package's attribute to the module."""

    def __setattr__(self, name: str, value) -> None:
        if name == "evaluate" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
