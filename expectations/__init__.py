"""The per-report rules: catalogue (rules.py), SQL (sql.py), GX (validate.py), README rendered
from the catalogue (render_readme.py)."""

from expectations.evaluate import check_report, evaluate, store
from expectations.rules import CATALOGUE, RULES, Rule, rule

__all__ = ["CATALOGUE", "RULES", "Rule", "check_report", "evaluate", "rule", "store"]
