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

import logging
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

import pandas as pd

from expectations import validate
from expectations.rules import Rule

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

SITE_NAME = "gongkai_rules"
RUN_NAME = validate.RUN_NAME


def _site_config(base_directory: Path) -> dict:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(base_directory)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def _render(validation: validate.Validation, base_directory: Path) -> None:
    """Render the results ``validation`` kept (one per rule it validated) into a site."""
    ctx = validation.context
    # the ephemeral context comes with a "local_site" in a temporary folder: build only ours
    for name in list(ctx.list_data_docs_sites()):
        ctx.delete_data_docs_site(name)
    ctx.add_data_docs_site(SITE_NAME, _site_config(base_directory))
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
    for rule in validation.rules:
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
    and, to identify unexpected rows in the docs, ``report`` and/or ``instance``. (A run does
    not call this: ``evaluate`` validates with a kept-results :class:`validate.Validation` and
    :func:`build_site` renders those same results.)
    """
    validations = list(validations)
    ids = [rule.id for rule, _ in validations]
    if len(set(ids)) != len(ids):
        raise ValueError(f"one frame per rule: {sorted(i for i in set(ids) if ids.count(i) > 1)}")
    for rule, frame in validations:
        if rule.measure not in frame.columns:
            raise ValueError(f"{rule.id}: the frame has no {rule.measure!r} column")
    validation = validate.Validation(keep_results=True)
    for rule, frame in validations:
        validation.result(rule, frame)
    return build_site(validation, site_dir)


# --- offline: GX links its pages' scripts, styles and fonts to CDNs ---------------------------

# the vendored copies (scripts/vendor_data_docs_assets.sh, licences beside each), put in the
# site as static/vendor/ and linked instead: users on government networks often have no
# internet, and GX's index lists its validations only once its scripts ran
VENDORED = Path(__file__).with_name("data_docs_assets") / "lib"
OFFLINE = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css":
        "bootstrap/dist/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js":
        "bootstrap/dist/js/bootstrap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js/dist/umd/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table/dist/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table/dist/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css":
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome/css/all.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
}
# GX's logo, loaded from its bucket: the copy GX ships in the site's static/images
_LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9.-]+\.amazonaws\.com/"
                   r"(?:logo-long|full_logo_dark)\.png(?:\?[^\"' )]*)?")
# what a page loads (not what it links to): <script src>, <link href> (styles, icons), <img src>
_LOADED = re.compile(r"<(?:script|img)\b[^>]*\bsrc=[\"'](https?://[^\"']+)|"
                     r"<link\b[^>]*\bhref=[\"'](https?://[^\"']+)", re.I)


def make_offline(site: Path) -> list[str]:
    """Make the Data Docs site at ``site`` load nothing from the network: the vendored
    scripts, styles and fonts copied to ``static/vendor/`` and every page's CDN links rewritten
    to them (relative, so the site works from any folder and from file://). Returns what a page
    still loads from the network (empty unless GX has started linking something new)."""
    vendor = site / "static" / "vendor"
    if vendor.exists():
        shutil.rmtree(vendor)
    shutil.copytree(VENDORED, vendor)
    left: set[str] = set()
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        up = os.path.relpath(site, page.parent).replace(os.sep, "/")
        for url, local in OFFLINE.items():
            html = html.replace(f'"{url}"', f'"{up}/static/vendor/{local}"')
        html = _LOGO.sub(f"{up}/static/images/logo-long.png", html)
        left.update(a or b for a, b in _LOADED.findall(html))
        page.write_text(html, encoding="utf-8")
    return sorted(left)


def build_site(validation: validate.Validation, site_dir: Path) -> Path:
    """The Data Docs site of the results ``validation`` kept, built aside and put at
    ``site_dir`` (replacing the previous one) when complete; returns its index.html."""
    if not validation.keep_results:
        raise ValueError("the validation kept no results to render")
    site_dir = Path(site_dir).absolute()
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
    try:
        _render(validation, staging)
        left = make_offline(staging)
        if left:  # the site still works online; say what it needs the network for
            logging.getLogger(__name__).warning(
                "Data Docs still load from the network: %s", ", ".join(left))
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
    """Put ``new`` at ``site_dir`` by renames (same file system), then remove the previous
    site. One process at a time (a lock file beside it): runs on a lake publish at once."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    with _folder_lock(site_dir.parent):
        _swap_locked(new, site_dir)


@contextmanager
def _folder_lock(folder: Path):
    """One process at a time on ``folder``'s sites (a lock file in the temporary folder, named
    after it: nothing left beside the sites)."""
    import fcntl
    import hashlib

    key = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"gongkai-data-docs-{key}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _swap_locked(new: Path, site_dir: Path) -> None:
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


# --- where a warehouse's site is ----------------------------------------------------------------

def _files(warehouse) -> tuple[Path, str]:
    """(folder, name) of the files kept with a warehouse: a backend (``warehouse.backend``) or
    a DuckDB file's path."""
    if hasattr(warehouse, "files_dir"):
        return Path(warehouse.files_dir), warehouse.name
    path = Path(warehouse)
    return path.parent, path.stem


def data_docs_dir(warehouse) -> Path:
    """The published Data Docs site of a warehouse: ``data_docs/<name>/`` beside it (its
    index.html is what ``gongkai run`` prints), one site per warehouse."""
    folder, name = _files(warehouse)
    return folder / "data_docs" / name


def staged_data_docs_dir(warehouse, run_id: str) -> Path:
    """Where a run builds its Data Docs site until it publishes (beside the published one)."""
    folder, name = _files(warehouse)
    return folder / f".data_docs.{name}.{run_id}.staging"


def remove_staged_data_docs(warehouse, alive: set[str]) -> list[Path]:
    """The Data Docs a run staged and never published (it was killed or failed), and the
    sites left half-built, of runs not in ``alive``: removed. Returns what was removed."""
    folder, name = _files(warehouse)
    site = data_docs_dir(warehouse)
    prefix = f".data_docs.{name}."
    removed = []
    for staged in folder.glob(f"{prefix}*.staging"):
        if staged.name[len(prefix):-len(".staging")] not in alive:
            shutil.rmtree(staged, ignore_errors=True)
            removed.append(staged)
    if not alive:  # half-built sites (build_site's temporary folders) of no running run
        for building in site.parent.glob(f".{site.name}.building-*"):
            shutil.rmtree(building, ignore_errors=True)
            removed.append(building)
    return removed


def publish_data_docs(warehouse, run_id: str) -> Path | None:
    """The run's staged site made the published one; the staged sites of this warehouse's
    runs that never published are removed. Returns the index.html, None when the run staged
    none."""
    folder, name = _files(warehouse)
    site = data_docs_dir(warehouse)
    staged = staged_data_docs_dir(warehouse, run_id)
    index = publish_site(staged, site) if staged.is_dir() else None
    folder.mkdir(parents=True, exist_ok=True)
    with _folder_lock(folder):
        for stale in folder.glob(f".data_docs.{name}.*.staging"):
            shutil.rmtree(stale, ignore_errors=True)
    return index
