"""The rules (per report, per figure the text states, across years): catalogue (rules.py), SQL (sql.py), GX (validate.py), README rendered
from the catalogue (render_readme.py)."""

from expectations.evaluate import check_report, check_reports, evaluate, store
from expectations.rules import CATALOGUE, RULES, Rule, rule

__all__ = ["CATALOGUE", "RULES", "Rule", "check_report", "check_reports", "evaluate", "rule",
           "store"]
