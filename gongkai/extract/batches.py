"""The documents of a run cut into batches, each extracted on its own (by another process or
another machine), and the batches' extractions put back together.

A batch is a contiguous slice of the run's documents holding at most ``size`` documents to
read (settled ones ride along where they stand, to be recorded as known), so joining the
batches' extractions in batch order gives the extraction of the whole list, in the same order,
whatever the size: ``merge([extract(b) for b in split(docs, n)]) == extract(docs)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gongkai.extract.intake import Extraction, extract_documents


@dataclass
class Batch:
    """``documents`` to extract; ``first`` is how many documents to read come before it in the
    run and ``total`` how many the run reads in all (for progress: 'extracting 7/40')."""

    index: int
    documents: list[dict] = field(default_factory=list)
    first: int = 0
    total: int = 0

    @property
    def key(self) -> str:
        """A name for the batch made of letters, digits and '_' only (``batch_0003``)."""
        return f"batch_{self.index:04d}"

    @property
    def to_read(self) -> int:
        return sum(not d.get("settled") for d in self.documents)


def split(documents: list[dict], size: int | None) -> list[Batch]:
    """``documents`` in batches of at most ``size`` documents to read (all in one when
    ``size`` is None or 0). Always at least one batch, empty for no documents, so that a run
    with nothing to read still records what it found."""
    total = sum(not d.get("settled") for d in documents)
    if not size or size <= 0 or total <= size:
        return [Batch(0, list(documents), 0, total)]
    batches: list[Batch] = []
    current: list[dict] = []
    read_before = read_in_current = 0
    for doc in documents:
        if not doc.get("settled") and read_in_current == size:
            batches.append(Batch(len(batches), current, read_before, total))
            read_before += read_in_current
            current, read_in_current = [], 0
        current.append(doc)
        read_in_current += not doc.get("settled")
    batches.append(Batch(len(batches), current, read_before, total))
    return batches


def extract_batch(batch: Batch, progress=None, **options) -> Extraction:
    """``intake.extract_documents`` over the batch; ``progress(done, total, name)`` counts in
    the whole run's documents, not the batch's."""

    def run_progress(done: int, _batch_total: int, name: str) -> None:
        if progress is not None:
            progress(batch.first + done, batch.total, name)

    return extract_documents(batch.documents, progress=run_progress, **options)


def merge(extractions: list[Extraction]) -> Extraction:
    """The batches' extractions, in batch order, as one."""
    out = Extraction()
    for e in extractions:
        out.reports.extend(e.reports)
        out.unreadable.extend(e.unreadable)
        out.known.extend(e.known)
        out.sources.update(e.sources)
    return out
