"""``report_documents`` and ``extracted_reports``: from a folder of PDFs to Report objects."""

import dagster as dg

from assets import steps
from pipelines.resources import ReportFolderResource

GROUP = "reports"


@dg.asset(
    group_name=GROUP,
    kinds={"pdf"},
    description="The report PDFs (*.pdf) of the configured folders, each with its sha256. "
                "Folders: `tests/fixtures/reports` and `tests/fixtures/real` by default; "
                "`$GONGKAI_REPORTS` or the `reports` resource config overrides them.",
)
def report_documents(context: dg.AssetExecutionContext,
                     reports: ReportFolderResource) -> dg.Output[list[dict]]:
    folders = reports.resolved()
    documents, notes = steps.list_documents(folders)
    for note in notes:
        context.log.warning(note)
    table = "\n".join(
        ["| document | sha256 | bytes |", "|---|---|---|"]
        + [f"| {d['name']} | `{(d['sha256'] or '')[:12]}` | {d['bytes']} |" for d in documents])
    return dg.Output(documents, metadata={
        "documents": len(documents),
        "folders": dg.MetadataValue.json([str(f) for f in folders]),
        "notes": dg.MetadataValue.json(notes),
        "listing": dg.MetadataValue.md(table),
    })


@dg.asset(
    group_name=GROUP,
    kinds={"python"},
    description="Every document run through `gongkai.extract.extract_report` (Camelot): one "
                "Report per readable PDF, with its facts and provenance. A document that cannot "
                "be read (missing, not a PDF, encrypted, no text layer) is kept with its reason "
                "and recorded in the warehouse's `load_errors` downstream; the run goes on.",
)
def extracted_reports(context: dg.AssetExecutionContext,
                      report_documents: list[dict]) -> dg.Output[steps.Extraction]:
    extraction = steps.extract_documents(report_documents)
    for u in extraction.unreadable:
        context.log.warning(f"cannot read {u['path']}: {u['reason']}")
    problems = steps.problem_lines(extraction.reports)
    per_report = "\n".join(
        ["| document | agency | year | template | facts | problems |", "|---|---|---|---|---|---|"]
        + [f"| {r.document.path.rsplit('/', 1)[-1]} | {r.agency or '?'} | {r.year or '?'} "
           f"| {r.template or '?'} | {len(r.facts)} | {len(r.problems)} |"
           for r in extraction.reports])
    unreadable = "\n".join(
        ["| document | reason |", "|---|---|"]
        + [f"| {u['path']} | {u['reason']} |" for u in extraction.unreadable])
    return dg.Output(extraction, metadata={
        "documents": len(report_documents),
        "reports": len(extraction.reports),
        "unreadable": len(extraction.unreadable),
        "facts": sum(len(r.facts) for r in extraction.reports),
        "problems": len(problems),
        "per_report": dg.MetadataValue.md(per_report),
        "unreadable_documents": dg.MetadataValue.md(unreadable),
        "problem_list": dg.MetadataValue.md(
            "\n".join(f"- {p}" for p in problems[:200]) or "(none)"),
    })
