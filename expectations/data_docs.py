"""Great Expectations Data Docs for rule validations: a static HTML site built by GX itself.

Each ``(rule, frame)`` is validated with the rule's suite (validate.py: one
``ExpectColumnValuesToBeBetween`` on ``residual`` or ``violations``, the rule's titles, severity
and basis as suite meta and notes) through a ``ValidationDefinition`` of a fresh ephemeral
context, which stores the result in the context's (in-memory) validation results store; then
``context.build_data_docs()`` renders the context's one docs site, a ``SiteBuilder`` with a
``TupleFilesystemStoreBackend``: index.html, a page per suite (expectations/) and a page per
validation result (validations/<rule id as folders>/<run name>/<run time>/<batch>.html).

Results are COMPLETE with ``unexpected_index_column_names`` ``report`` and ``instance`` (those of
the frame), so a failing row's report and column/row key are listed in its validation page.

The site is built into a sibling temporary folder of ``site_dir`` and swapped in when complete
(the previous site is removed); nothing else is written (the ephemeral context has no project
folder, and its default docs site, in a temporary folder, is removed before anything is built).
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

import pandas as pd

from expectations import validate
from expectations.rules import Rule

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SITE_NAME = "gongkai_rules"
RUN_NAME = "gongkai"


def _site_config(base_directory: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(base_directory)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def _build(validations: list[tuple[Rule, pd.DataFrame]], base_directory: Path) -> None:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    ctx = validate.new_context()
    # the ephemeral context comes with a "local_site" in a temporary folder: build only ours
    for name in list(ctx.list_data_docs_sites()):
        ctx.delete_data_docs_site(name)
    ctx.add_data_docs_site(SITE_NAME, _site_config(base_directory))
    datasource = ctx.data_sources.add_pandas("gongkai_rules")
    run_id = RunIdentifier(run_name=RUN_NAME,
                           run_time=datetime.datetime.now(datetime.timezone.utc))
    for rule, frame in validations:
        suite = ctx.suites.add(validate.expectation_suite(rule))
        batch_definition = datasource.add_dataframe_asset(name=rule.id) \
            .add_batch_definition_whole_dataframe("instances")
        definition = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=rule.id, data=batch_definition, suite=suite))
        result = definition.run(batch_parameters={"dataframe": frame},
                                result_format=validate.result_format(frame), run_id=run_id)
        validate.check_outcome(rule, result)
    # SiteBuilder logs a page it fails to render and goes on: collect those errors, then
    # check that every page is there
    errors = _Errors()
    gx_logger = logging.getLogger("great_expectations")
    gx_logger.addHandler(errors)
    try:
        built = ctx.build_data_docs(site_names=[SITE_NAME])
    finally:
        gx_logger.removeHandler(errors)
    missing = [] if SITE_NAME in built and (base_directory / "index.html").is_file() \
        else ["index.html"]
    for rule, _ in validations:
        if not validation_pages(base_directory, rule):
            missing.append(f"the validation page of {rule.id}")
    if missing:
        raise RuntimeError(f"GX did not render {', '.join(missing)} in {base_directory}"
                           + "".join(f"\n{m[:2000]}" for m in errors.messages))


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def validation_pages(site: Path, rule: Rule) -> list[Path]:
    """The validation pages of ``rule`` in the Data Docs site ``site`` (GX nests a suite's
    pages in one folder per dot-separated part of its name)."""
    return sorted(site.joinpath("validations", *rule.id.split("."), RUN_NAME).glob("*/*.html"))


def build_data_docs(validations: Iterable[tuple[Rule, pd.DataFrame]], site_dir: Path) -> Path:
    """Validate each rule's frame with its GX suite and build the Data Docs site in
    ``site_dir`` (replacing the previous one); return the site's index.html.

    A frame has the rule's measure column (``residual`` or ``violations``, ``Rule.measure``)
    and, to identify unexpected rows in the docs, ``report`` and/or ``instance``.
    """
    validations = list(validations)
    ids = [rule.id for rule, _ in validations]
    if len(set(ids)) != len(ids):
        raise ValueError(f"one frame per rule: {sorted(i for i in set(ids) if ids.count(i) > 1)}")
    for rule, frame in validations:
        if rule.measure not in frame.columns:
            raise ValueError(f"{rule.id}: the frame has no {rule.measure!r} column")

    site_dir = Path(site_dir).absolute()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
    try:
        _build(validations, staging)
        staging.chmod(0o755)  # mkdtemp's 0700 would make the site private
        _swap(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return site_dir / "index.html"


def publish_site(staged: Path, site_dir: Path) -> Path:
    """Put a site built into ``staged`` (by :func:`build_data_docs`) at ``site_dir``, replacing
    the previous one; return its index.html. A run builds its site aside and publishes it
    with its warehouse, so the docs never describe a run that was not published."""
    site_dir = Path(site_dir).absolute()
    _swap(Path(staged).absolute(), site_dir)
    return site_dir / "index.html"


def _swap(new: Path, site_dir: Path) -> None:
    """Put ``new`` at ``site_dir`` by renames (same folder), then remove the previous site."""
    if not (site_dir.exists() or site_dir.is_symlink()):
        os.rename(new, site_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
    os.rmdir(old)  # a unique name to rename the previous site to
    os.rename(site_dir, old)
    try:
        os.rename(new, site_dir)
    except BaseException:
        os.rename(old, site_dir)
        raise
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink()
