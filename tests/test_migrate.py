"""A warehouse made before ids came from the data (INTEGER ids from sequences, as gongkai wrote
them up to 164327c) is rewritten once by the first writing connection: every row kept, every
id the one its document's bytes give, references followed; then a new report loads into it."""

from __future__ import annotations

import duckdb

from gongkai.extract import extract_report
from tests.golden import FIXTURES
from warehouse import store
from warehouse.store import document_id

# the tables of that schema the ids run through, as it declared them
SEQUENCE_ID_SCHEMA = """
CREATE SEQUENCE seq_document_id START 1;
CREATE SEQUENCE seq_report_id START 1;
CREATE TABLE documents (
    document_id INTEGER PRIMARY KEY DEFAULT nextval('seq_document_id'),
    sha256 VARCHAR NOT NULL UNIQUE, source VARCHAR NOT NULL, pages INTEGER, kind VARCHAR,
    size BIGINT, first_seen TIMESTAMP NOT NULL, version INTEGER NOT NULL DEFAULT 1,
    supersedes INTEGER, superseded_by INTEGER, superseded_at TIMESTAMP);
CREATE TABLE reports (
    report_id INTEGER PRIMARY KEY DEFAULT nextval('seq_report_id'),
    document_id INTEGER NOT NULL UNIQUE, agency VARCHAR, year INTEGER, template VARCHAR,
    extracted_at TIMESTAMP NOT NULL, problems INTEGER NOT NULL DEFAULT 0);
CREATE TABLE facts (
    report_id INTEGER NOT NULL, table_name VARCHAR NOT NULL, row_key VARCHAR NOT NULL,
    column_key VARCHAR NOT NULL, value DECIMAL(18,4), raw VARCHAR, page INTEGER,
    PRIMARY KEY (report_id, table_name, row_key, column_key));
CREATE TABLE rule_results (
    report_id INTEGER NOT NULL, rule VARCHAR NOT NULL, severity VARCHAR NOT NULL,
    status VARCHAR NOT NULL, message VARCHAR NOT NULL, evaluated_at TIMESTAMP NOT NULL,
    previous_report_id INTEGER);
"""
A, B = "a" * 64, "b" * 64  # two versions of one source


def old_warehouse(path):
    con = duckdb.connect(str(path))
    con.execute(SEQUENCE_ID_SCHEMA)
    con.execute("INSERT INTO documents (sha256, source, first_seen, version, "
                "superseded_by) "
                "VALUES (?, 'r.pdf', now(), 1, 2), (?, 'r.pdf', now(), 2, NULL)", [A, B])
    con.execute("UPDATE documents SET supersedes = 1 WHERE document_id = 2")
    # report ids apart from document ids, as the two sequences drifted
    con.execute("INSERT INTO reports VALUES (7, 1, '示例县人民政府', 2023, '2021', now(), 0), "
                "(8, 2, '示例县人民政府', 2023, '2021', now(), 0)")
    con.execute("INSERT INTO facts VALUES (8, 'applications', 'new_requests', "
                "'natural_person', 12, '12', 2)")
    con.execute("INSERT INTO rule_results VALUES (8, 'documents.agree', 'error', 'pass', 'm', "
                "now(), 7)")
    con.close()


def test_a_warehouse_of_sequence_ids_is_given_ids_from_the_data(tmp_path):
    path = tmp_path / "old.duckdb"
    old_warehouse(path)
    con = store.connect(path)
    try:
        a, b = document_id(A), document_id(B)
        assert con.execute("SELECT document_id, supersedes, superseded_by FROM documents "
                           "ORDER BY version").fetchall() == [(a, None, b), (b, a, None)]
        assert con.execute("SELECT report_id, document_id FROM reports ORDER BY report_id "
                           ).fetchall() == sorted([(a, a), (b, b)])
        assert con.execute("SELECT report_id, value FROM facts").fetchall() == [(b, 12)]
        assert con.execute("SELECT report_id, previous_report_id FROM rule_results"
                           ).fetchall() == [(b, a)]
        # and the warehouse takes new reports
        report = extract_report(FIXTURES / "reports" / "t21-demo-county-2024.pdf")
        loaded = store.load_report(con, report)
        assert loaded["report_id"] == document_id(report.document.sha256)
    finally:
        con.close()
    assert not list(tmp_path.glob(".*data-ids"))  # the rewritten copy took the old one's place

