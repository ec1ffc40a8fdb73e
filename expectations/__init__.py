"""The statutory consistency rules: catalogue (rules.py), SQL (sql.py), GX (validate.py)."""

from expectations.evaluate import check_report, evaluate, store
from expectations.rules import RULES, Rule, rule

__all__ = ["RULES", "Rule", "check_report", "evaluate", "rule", "store"]
