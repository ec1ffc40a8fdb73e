"""The warehouse-wide summary: how often each rule fails, by rule, by year and by agency level.

A rate is over reports, not instances: of the current reports where the rule could be assessed
(at least one instance passed or failed), the share with at least one failing instance. The
markdown (a table and a bar chart per breakdown) is what the ``findings_summary`` asset shows in
the Dagster UI; the same numbers are in ``failure_rates``.
"""

from __future__ import annotations

# per (rule, group): reports assessed and reports failing; {group} is a column of
# report_agency_years (year, tier) or a constant
_RATES_SQL = """
WITH per_report AS (
    SELECT rr.rule, any_value(rr.severity) AS severity, rr.report_id,
           bool_or(rr.status = 'fail') AS failed
    FROM rule_results rr
    WHERE rr.status IN ('pass', 'fail')
    GROUP BY rr.rule, rr.report_id
)
SELECT p.rule, any_value(p.severity) AS severity, {group} AS grp,
       count(*) AS assessed, count(*) FILTER (WHERE p.failed) AS failing
FROM per_report p JOIN report_agency_years ay USING (report_id)
GROUP BY p.rule, grp
ORDER BY p.rule, grp
"""

TIERS = ("national", "provincial", "prefecture", "county", "township", "unknown")
TIERS_ZH = {"national": "国务院部门", "provincial": "省级", "prefecture": "市级", "county": "县级",
            "township": "乡镇级", "unknown": "未识别"}


def failure_rates(con, by: str | None = None) -> list[dict]:
    """[{rule, severity, group, assessed, failing, rate}] — ``by``: None (whole warehouse),
    "year" or "tier" (agency level)."""
    group = {None: "'all'", "year": "coalesce(ay.year::VARCHAR, 'unknown')",
             "tier": "coalesce(ay.tier, 'unknown')"}[by]
    rows = con.execute(_RATES_SQL.format(group=group)).fetchall()
    return [{"rule": r, "severity": s, "group": g, "assessed": a, "failing": f,
             "rate": f / a if a else 0.0} for r, s, g, a, f in rows]


def _bar(rate: float, width: int = 20) -> str:
    full = round(rate * width)
    return "█" * full + "░" * (width - full)


def _report_rates(con, group: str) -> list[tuple[str, int, int]]:
    """(group, reports, reports with an error or warning failure), per year or tier."""
    return con.execute(f"""
        SELECT {group} AS grp, count(DISTINCT ay.report_id),
               count(DISTINCT ay.report_id) FILTER (WHERE EXISTS (
                   SELECT 1 FROM rule_results rr WHERE rr.report_id = ay.report_id
                   AND rr.status = 'fail' AND rr.severity IN ('error', 'warning')))
        FROM report_agency_years ay GROUP BY grp ORDER BY grp""").fetchall()


def summary_markdown(con) -> str:
    """Failure rates by rule (with a bar chart), by year and by agency level."""
    lines = ["### Failure rate by rule",
             "Share of the reports where the rule could be assessed that fail it at least once.",
             "", "| rule | severity | failing / assessed | rate | |", "|---|---|---|---|---|"]
    rates = sorted(failure_rates(con), key=lambda r: (-r["rate"], r["rule"]))
    for r in rates:
        lines.append(f"| `{r['rule']}` | {r['severity']} | {r['failing']} / {r['assessed']} "
                     f"| {r['rate']:.0%} | `{_bar(r['rate'])}` |")
    if not rates:
        lines.append("| (no findings yet) | | | | |")
    for title, group, label in (
            ("year", "coalesce(ay.year::VARCHAR, 'unknown')", str),
            ("agency level", "coalesce(ay.tier, 'unknown')",
             lambda t: f"{t} {TIERS_ZH.get(t, '')}".strip())):
        lines += ["", f"### Reports failing an error or warning rule, by {title}", "",
                  f"| {title} | failing / reports | rate | |", "|---|---|---|---|"]
        for grp, reports, failing in _report_rates(con, group):
            rate = failing / reports if reports else 0.0
            lines.append(f"| {label(grp)} | {failing} / {reports} | {rate:.0%} "
                         f"| `{_bar(rate)}` |")
    by_year = failure_rates(con, by="year")
    if by_year:
        years = sorted({r["group"] for r in by_year})
        lines += ["", "### Failure rate by rule and year", "",
                  "| rule | " + " | ".join(years) + " |",
                  "|---|" + "---|" * len(years)]
        cell = {(r["rule"], r["group"]): r for r in by_year}
        for rule in sorted({r["rule"] for r in by_year}):
            row = [f"{cell[(rule, y)]['failing']}/{cell[(rule, y)]['assessed']}"
                   if (rule, y) in cell else "—" for y in years]
            lines.append(f"| `{rule}` | " + " | ".join(row) + " |")
    return "\n".join(lines)
