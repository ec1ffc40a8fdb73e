-- gongkai warehouse schema. Idempotent: run on every writing connect (see store.connect).
-- Keys (table_name, row_key, column_key) are the vocabulary of shared/spec/statutory-tables.md.
-- No foreign-key constraints: DuckDB enforces them eagerly on UPDATE, and the loader is the
-- only writer; the relationships are documented in README.md.

CREATE SEQUENCE IF NOT EXISTS seq_document_id START 1;
CREATE SEQUENCE IF NOT EXISTS seq_report_id START 1;

-- one row per distinct file content (sha256); a changed file at a known path is a new row
CREATE TABLE IF NOT EXISTS documents (
    document_id   INTEGER PRIMARY KEY DEFAULT nextval('seq_document_id'),
    sha256        VARCHAR NOT NULL UNIQUE,
    source        VARCHAR NOT NULL,     -- the path or URL it was first loaded from
    pages         INTEGER,
    kind          VARCHAR,
    size          BIGINT,               -- bytes, when the file was readable at load time
    first_seen    TIMESTAMP NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,   -- 1, 2, ... per source path
    supersedes    INTEGER,              -- document_id of the previous version at that path
    superseded_by INTEGER,              -- document_id of the next version, NULL when current
    superseded_at TIMESTAMP
);

-- every path/URL at which the same bytes were seen
CREATE TABLE IF NOT EXISTS document_sources (
    sha256  VARCHAR NOT NULL,
    source  VARCHAR NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (sha256, source)
);

-- one extraction of one document
CREATE TABLE IF NOT EXISTS reports (
    report_id    INTEGER PRIMARY KEY DEFAULT nextval('seq_report_id'),
    document_id  INTEGER NOT NULL UNIQUE,
    agency       VARCHAR,
    year         INTEGER,
    template     VARCHAR,               -- '2019' | '2021'
    extracted_at TIMESTAMP NOT NULL,
    problems     INTEGER NOT NULL DEFAULT 0
);

-- one cell of a statutory table; value NULL = no number in the cell (raw says what was there)
CREATE TABLE IF NOT EXISTS facts (
    report_id  INTEGER NOT NULL,
    table_name VARCHAR NOT NULL,
    row_key    VARCHAR NOT NULL,
    column_key VARCHAR NOT NULL,
    value      DECIMAL(18,4),
    raw        VARCHAR,
    page       INTEGER,
    x0 DOUBLE, top DOUBLE, x1 DOUBLE, bottom DOUBLE,
    grid_row   INTEGER,
    grid_col   INTEGER,
    unit       VARCHAR,
    PRIMARY KEY (report_id, table_name, row_key, column_key)
);

CREATE TABLE IF NOT EXISTS extraction_problems (
    report_id     INTEGER,
    document_path VARCHAR,
    code          VARCHAR NOT NULL,
    message       VARCHAR,
    table_name    VARCHAR,
    row_key       VARCHAR,
    column_key    VARCHAR,
    page          INTEGER
);

-- documents we could not read at all (UnreadableDocument and the like)
CREATE TABLE IF NOT EXISTS load_errors (
    path   VARCHAR NOT NULL,
    sha256 VARCHAR,
    reason VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL  -- "at" is a reserved word in DuckDB
);

-- one row per rule instance per report (expectations.store replaces a report's rows)
CREATE TABLE IF NOT EXISTS rule_results (
    report_id      INTEGER NOT NULL,
    rule           VARCHAR NOT NULL,
    severity       VARCHAR NOT NULL,    -- error | warning | info
    status         VARCHAR NOT NULL,    -- pass | fail | not_assessable
    table_name     VARCHAR,
    row_key        VARCHAR,             -- set for per-row rules
    column_key     VARCHAR,             -- set for per-column rules
    expected       DECIMAL(18,4),
    actual         DECIMAL(18,4),
    residual       DECIMAL(18,4),       -- expected - actual
    blank_involved BOOLEAN,
    message        VARCHAR,
    operands       JSON,                -- [{table,row,column,value,raw,page}, ...]
    evaluated_at   TIMESTAMP NOT NULL
);

-- the vocabulary with the template's Chinese labels (filled from gongkai/vocabulary.py)
CREATE TABLE IF NOT EXISTS vocab_rows (
    table_name VARCHAR NOT NULL,
    row_key    VARCHAR NOT NULL,
    label_zh   VARCHAR NOT NULL,
    templates  VARCHAR[] NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (table_name, row_key)
);
CREATE TABLE IF NOT EXISTS vocab_columns (
    table_name VARCHAR NOT NULL,
    column_key VARCHAR NOT NULL,
    label_zh   VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,        -- count | signed | money (万元)
    position   INTEGER NOT NULL,
    PRIMARY KEY (table_name, column_key)
);

-- ---------------------------------------------------------------------------------------------
-- views

-- reports of documents that no newer version has superseded (one per source path)
CREATE OR REPLACE VIEW current_reports AS
SELECT r.*, d.sha256, d.source, d.version, d.pages, d.kind
FROM reports r JOIN documents d USING (document_id)
WHERE d.superseded_by IS NULL;

CREATE OR REPLACE VIEW v_active_disclosure AS
SELECT r.report_id, r.agency, r.year, r.template, f.row_key, v.label_zh AS row_label,
       min(f.page) AS page,
       max(f.value) FILTER (WHERE f.column_key = 'issued')               AS issued,
       max(f.value) FILTER (WHERE f.column_key = 'repealed')             AS repealed,
       max(f.value) FILTER (WHERE f.column_key = 'in_force')             AS in_force,
       max(f.value) FILTER (WHERE f.column_key = 'newly_made')           AS newly_made,
       max(f.value) FILTER (WHERE f.column_key = 'newly_published')      AS newly_published,
       max(f.value) FILTER (WHERE f.column_key = 'total_published')      AS total_published,
       max(f.value) FILTER (WHERE f.column_key = 'previous_items')       AS previous_items,
       max(f.value) FILTER (WHERE f.column_key = 'change')               AS change,
       max(f.value) FILTER (WHERE f.column_key = 'decisions')            AS decisions,
       max(f.value) FILTER (WHERE f.column_key = 'fee_amount')           AS fee_amount_wan_yuan,
       max(f.value) FILTER (WHERE f.column_key = 'procurement_projects') AS procurement_projects,
       max(f.value) FILTER (WHERE f.column_key = 'procurement_amount')   AS procurement_amount_wan_yuan
FROM current_reports r
JOIN facts f ON f.report_id = r.report_id AND f.table_name = 'active_disclosure'
LEFT JOIN vocab_rows v ON v.table_name = f.table_name AND v.row_key = f.row_key
GROUP BY ALL
ORDER BY r.report_id, min(v.position);

CREATE OR REPLACE VIEW v_applications AS
SELECT r.report_id, r.agency, r.year, r.template, f.row_key, v.label_zh AS row_label,
       min(f.page) AS page,
       max(f.value) FILTER (WHERE f.column_key = 'natural_person')              AS natural_person,
       max(f.value) FILTER (WHERE f.column_key = 'commercial_enterprise')       AS commercial_enterprise,
       max(f.value) FILTER (WHERE f.column_key = 'research_institution')        AS research_institution,
       max(f.value) FILTER (WHERE f.column_key = 'social_welfare_organization') AS social_welfare_organization,
       max(f.value) FILTER (WHERE f.column_key = 'legal_service_agency')        AS legal_service_agency,
       max(f.value) FILTER (WHERE f.column_key = 'other_organization')          AS other_organization,
       max(f.value) FILTER (WHERE f.column_key = 'total')                       AS total
FROM current_reports r
JOIN facts f ON f.report_id = r.report_id AND f.table_name = 'applications'
LEFT JOIN vocab_rows v ON v.table_name = f.table_name AND v.row_key = f.row_key
GROUP BY ALL
ORDER BY r.report_id, min(v.position);

CREATE OR REPLACE VIEW v_review_litigation AS
SELECT r.report_id, r.agency, r.year, r.template, f.row_key, v.label_zh AS row_label,
       min(f.page) AS page,
       max(f.value) FILTER (WHERE f.column_key = 'upheld')    AS upheld,
       max(f.value) FILTER (WHERE f.column_key = 'corrected') AS corrected,
       max(f.value) FILTER (WHERE f.column_key = 'other')     AS other,
       max(f.value) FILTER (WHERE f.column_key = 'pending')   AS pending,
       max(f.value) FILTER (WHERE f.column_key = 'total')     AS total
FROM current_reports r
JOIN facts f ON f.report_id = r.report_id AND f.table_name = 'review_litigation'
LEFT JOIN vocab_rows v ON v.table_name = f.table_name AND v.row_key = f.row_key
GROUP BY ALL
ORDER BY r.report_id, min(v.position);

-- rule results of current reports, failures first
CREATE OR REPLACE VIEW v_findings AS
SELECT r.agency, r.year, r.source, rr.*
FROM rule_results rr JOIN current_reports r USING (report_id)
ORDER BY CASE rr.status WHEN 'fail' THEN 0 WHEN 'not_assessable' THEN 1 ELSE 2 END,
         CASE rr.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
         r.agency, r.year, rr.report_id, rr.rule;
