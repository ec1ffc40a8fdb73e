"""Extraction in batches (gongkai/extract/batches.py): the batches' extractions joined are the
extraction of the whole list, in the same order, whatever the batch size."""

from pathlib import Path

from gongkai.extract import batches, intake

PORTAL_REPORTS = Path(__file__).parent / "fixtures" / "portal" / "reports"


def _documents(settled_every: int = 0) -> list[dict]:
    docs, _ = intake.list_documents([PORTAL_REPORTS])
    docs = docs[:5] + [{"path": str(PORTAL_REPORTS / "missing.pdf"), "name": "missing.pdf",
                        "sha256": None, "bytes": None}]
    return [{**d, "settled": bool(settled_every) and i % settled_every == 1}
            for i, d in enumerate(docs)]


def test_split_keeps_order_and_bounds_what_each_batch_reads():
    docs = _documents(settled_every=3)
    to_read = sum(not d["settled"] for d in docs)
    for size in (1, 2, 3, 100, 0, None):
        parts = batches.split(docs, size)
        assert [d for b in parts for d in b.documents] == docs
        assert all(b.total == to_read for b in parts)
        assert [b.first for b in parts] == [sum(p.to_read for p in parts[:i])
                                            for i in range(len(parts))]
        if size:
            assert all(b.to_read <= size for b in parts)
            assert len(parts) == max(1, -(-to_read // size))
        else:
            assert len(parts) == 1
        assert len({b.key for b in parts}) == len(parts)


def test_no_documents_is_one_empty_batch():
    assert [(b.documents, b.total) for b in batches.split([], 4)] == [([], 0)]


def test_batches_joined_are_the_whole_extraction():
    docs = _documents(settled_every=3)
    whole = intake.extract_documents(docs, bounded=False)
    seen = []
    joined = batches.merge([
        batches.extract_batch(b, progress=lambda done, total, name: seen.append((done, total)),
                              bounded=False)
        for b in batches.split(docs, 2)])
    assert [r.document.sha256 for r in joined.reports] == \
        [r.document.sha256 for r in whole.reports]
    assert [len(r.facts) for r in joined.reports] == [len(r.facts) for r in whole.reports]
    assert joined.unreadable == whole.unreadable and "missing.pdf" in \
        joined.unreadable[0]["path"]
    assert joined.known == whole.known and joined.sources == whole.sources
    # progress counts the run's documents, not each batch's
    to_read = sum(not d["settled"] for d in docs)
    assert seen == [(i, to_read) for i in range(1, to_read + 1)]
