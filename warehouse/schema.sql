-- gongkai warehouse schema. Idempotent: run on every writing connect (see store.connect).
-- Keys (table_name, row_key, column_key) are the vocabulary of shared/spec/statutory-tables.md.
-- No foreign-key constraints: DuckDB enforces them eagerly on UPDATE, and the loader is the
-- only writer; the relationships are documented in README.md.
--
-- One DDL for both backends (warehouse/db.py, schema_sql): a DuckLake has no PRIMARY KEY,
-- UNIQUE, sequences or indexes, so the lake's schema is this one with them stripped, and the
-- writers keep every key unique themselves (DELETE + INSERT per key in one transaction). The
-- keys declared here are the natural keys a test checks on both backends (natural_keys()).
-- Identifiers come from the data, never from a sequence, so that two writers never collide:
-- document_id is the first 15 hex digits of the document's sha256 as a BIGINT, and its
-- report's report_id is the same number (warehouse/store.py, document_id).

-- one row per distinct file content (sha256); a changed file at a known path is a new row
CREATE TABLE IF NOT EXISTS documents (
    document_id   BIGINT PRIMARY KEY,   -- from sha256 (store.document_id)
    sha256        VARCHAR NOT NULL UNIQUE,
    source        VARCHAR NOT NULL,     -- the path or URL it was first loaded from
    pages         INTEGER,
    kind          VARCHAR,
    size          BIGINT,               -- bytes, when the file was readable at load time
    first_seen    TIMESTAMP NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,   -- 1, 2, ... per source path
    supersedes    BIGINT,               -- document_id of the previous version at that path
    superseded_by BIGINT,               -- document_id of the next version, NULL when current
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
    report_id    BIGINT PRIMARY KEY,    -- = document_id (one report per document)
    document_id  BIGINT NOT NULL UNIQUE,
    agency       VARCHAR,
    year         INTEGER,
    template     VARCHAR,               -- '2019' | '2021'
    extracted_at TIMESTAMP NOT NULL,
    problems     INTEGER NOT NULL DEFAULT 0
);

-- one cell of a statutory table; value NULL = no number in the cell (raw says what was there)
CREATE TABLE IF NOT EXISTS facts (
    report_id  BIGINT NOT NULL,
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

-- natural key: none (a list of what went wrong; the same message may come twice)
CREATE TABLE IF NOT EXISTS extraction_problems (
    report_id     BIGINT,
    document_path VARCHAR,
    code          VARCHAR NOT NULL,
    message       VARCHAR,
    table_name    VARCHAR,
    row_key       VARCHAR,
    column_key    VARCHAR,
    page          INTEGER
);

-- documents we could not read at all (UnreadableDocument and the like)
-- natural key: (path, reason, sha256) (store.record_load_error)
CREATE TABLE IF NOT EXISTS load_errors (
    path   VARCHAR NOT NULL,
    sha256 VARCHAR,
    reason VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL  -- "at" is a reserved word in DuckDB
);

-- one row per rule instance per report (expectations.store replaces a report's rows)
-- natural key: (report_id, rule, table_name, row_key, column_key, figure, message, operands) (a
-- figure the text states twice is two instances, told apart by what they say, or, when two
-- sentences state it alike on one page, by the sentence each quotes among its operands)
CREATE TABLE IF NOT EXISTS rule_results (
    report_id      BIGINT NOT NULL,
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

-- issue-4 additions to rule_results (ALTER: warehouses made before them keep working)
ALTER TABLE rule_results ADD COLUMN IF NOT EXISTS figure VARCHAR;   -- narrative rules
ALTER TABLE rule_results ADD COLUMN IF NOT EXISTS previous_report_id BIGINT;  -- cross-year rules
-- the version of the rule (expectations/rules.py, Rule.version) that gave the result: a rule
-- whose version changed can be re-evaluated alone
ALTER TABLE rule_results ADD COLUMN IF NOT EXISTS rule_version INTEGER;
-- where a cell is outside a PDF page's geometry (HTML, Word, spreadsheets, OCR readings): JSON
ALTER TABLE facts ADD COLUMN IF NOT EXISTS locator JSON;
-- the version of each rule the stored results were last evaluated at: a rule whose version
-- changed is re-evaluated on every report, alone (expectations/incremental.py)
CREATE TABLE IF NOT EXISTS evaluated_rules (
    rule         VARCHAR PRIMARY KEY,
    version      INTEGER NOT NULL,
    evaluated_at TIMESTAMP NOT NULL
);

-- issue 14: which reader failed (gongkai.extract.intake.reader_version): a document failed
-- under another version is tried again; the original bytes of a path that is not UTF-8 (hex;
-- ``path`` then holds its escaped display form)
ALTER TABLE load_errors ADD COLUMN IF NOT EXISTS reader_version VARCHAR;
ALTER TABLE load_errors ADD COLUMN IF NOT EXISTS path_bytes VARCHAR;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS source_bytes VARCHAR;

-- the text layer of every page, as read (PDFium), for the narrative rules and for search
CREATE TABLE IF NOT EXISTS report_pages (
    report_id BIGINT NOT NULL,
    page      INTEGER NOT NULL,
    text      VARCHAR,
    PRIMARY KEY (report_id, page)
);

-- the report's sentences outside the tables (gongkai.narrative.sentences)
CREATE TABLE IF NOT EXISTS report_sentences (
    report_id      BIGINT NOT NULL,
    seq            INTEGER NOT NULL,    -- order in the document
    page           INTEGER NOT NULL,    -- the page the sentence starts on
    text           VARCHAR NOT NULL,
    comparable     VARCHAR,             -- digits masked, for text similarity; NULL when short
    in_section_six BOOLEAN NOT NULL,    -- under 六、其他需要报告的事项
    PRIMARY KEY (report_id, seq)
);

-- figures the text states (gongkai.narrative.stated_figures): 受理申请 N 件, 行政复议 N 件, …
CREATE TABLE IF NOT EXISTS stated_figures (
    report_id BIGINT NOT NULL,
    position  INTEGER NOT NULL,         -- order in the document
    seq       INTEGER NOT NULL,         -- the sentence (report_sentences.seq)
    figure    VARCHAR NOT NULL,         -- a key of figure_cells
    value     DECIMAL(18,4) NOT NULL,
    page      INTEGER NOT NULL,
    phrase    VARCHAR NOT NULL,         -- the words that state it
    PRIMARY KEY (report_id, position)
);

-- which table cells a stated figure is compared with, per template (gongkai.narrative.FIGURES)
CREATE TABLE IF NOT EXISTS figure_cells (
    figure     VARCHAR NOT NULL,
    label_zh   VARCHAR NOT NULL,
    template   VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    row_key    VARCHAR NOT NULL,
    column_key VARCHAR NOT NULL,
    PRIMARY KEY (figure, template, table_name, row_key, column_key)
);

-- spellings of one agency that are not paired automatically (pipelines/agency_aliases.csv,
-- loaded on every evaluation; edit the CSV, not this table)
CREATE TABLE IF NOT EXISTS agency_aliases (
    alias     VARCHAR PRIMARY KEY,
    canonical VARCHAR NOT NULL,
    note      VARCHAR
);

-- every agency name seen in reports, with the agency it is (rebuilt on every evaluation by
-- gongkai.agencies.resolve) and its level (gongkai.agencies.level)
CREATE TABLE IF NOT EXISTS agency_identity (
    agency            VARCHAR PRIMARY KEY,  -- as the report writes it
    canonical         VARCHAR NOT NULL,     -- the agency: its fullest spelling
    how               VARCHAR NOT NULL,     -- same | prefix | alias
    tier              VARCHAR NOT NULL,     -- national | provincial | prefecture | county | township | unknown
    kind              VARCHAR NOT NULL,     -- government | department | unknown
    rule_making_power BOOLEAN               -- NULL: cannot tell from the name
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
-- the crawl (gongkai/crawl writes these through the connection it is given)
--
-- crawl_documents: one row per distinct byte string (sha256). crawl_urls: one row per (url,
-- sha256), every version ever served at a URL, exactly one row per URL is_current; the same
-- bytes at two URLs are one document, two rows here. crawl_log: one row per request sent (each
-- attempt, each redirect hop, robots.txt) and per request refused, with the error in words.
-- crawl_runs: one row per crawl of a source, with the counts.
CREATE TABLE IF NOT EXISTS crawl_documents (
    sha256        VARCHAR PRIMARY KEY,
    size          BIGINT NOT NULL,
    content_type  VARCHAR,          -- as the server declared it (first time seen)
    format        VARCHAR NOT NULL, -- from the bytes: pdf, doc, docx, wps, xls, xlsx, ofd, html, unknown …
    path          VARCHAR NOT NULL, -- relative to the store: sha256/ab/abcdef….pdf
    first_seen    TIMESTAMPTZ NOT NULL,
    last_seen     TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_urls (
    url            VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,
    role           VARCHAR NOT NULL,  -- list | detail | report
    title          VARCHAR,           -- link text that led here
    referrer       VARCHAR,           -- page the link was on
    claimed_format VARCHAR,           -- what the name said (.pdf …), differs from the document's format on a mismatch
    problem        VARCHAR,           -- e.g. 'format mismatch: named pdf, bytes are html'
    http_status    INTEGER,
    etag           VARCHAR,
    last_modified  VARCHAR,
    first_seen     TIMESTAMPTZ NOT NULL,
    last_seen      TIMESTAMPTZ NOT NULL,
    is_current     BOOLEAN NOT NULL,
    PRIMARY KEY (url, sha256)
);
-- natural key: none (one row per request: the same request may be sent twice)
CREATE TABLE IF NOT EXISTS crawl_log (
    time         TIMESTAMPTZ NOT NULL,
    run_id       VARCHAR,
    source_id    VARCHAR,
    url          VARCHAR NOT NULL,
    method       VARCHAR NOT NULL,
    role         VARCHAR,            -- robots | list | detail | report
    attempt      INTEGER,            -- 0 = refused before sending
    conditional  BOOLEAN,            -- sent If-None-Match / If-Modified-Since
    status       INTEGER,            -- NULL when no response
    duration_ms  DOUBLE,
    bytes        BIGINT,
    error        VARCHAR,            -- NULL when fine
    from_cache   BOOLEAN             -- 304 Not Modified: stored bytes reused
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    run_id           VARCHAR PRIMARY KEY,
    source_id        VARCHAR NOT NULL,
    dry_run          BOOLEAN NOT NULL,
    started          TIMESTAMPTZ NOT NULL,
    finished         TIMESTAMPTZ,
    pages_seen       INTEGER,
    documents_found  INTEGER,
    new              INTEGER,
    changed          INTEGER,
    unchanged        INTEGER,
    errors           INTEGER,
    error            VARCHAR          -- why the source failed as a whole, if it did
);

-- the last write to the warehouse: every write transaction replaces this one row
-- (warehouse/db.py, write), so that two writers committing at once always conflict and one
-- retries (a DuckLake sees a conflict between two deletes, never between two inserts)
-- natural key: none (one row)
CREATE TABLE IF NOT EXISTS last_write (
    writer     VARCHAR NOT NULL,    -- host:pid
    written_at TIMESTAMP NOT NULL
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

-- a report's agency (canonical) and year: what the cross-year rules pair on
CREATE OR REPLACE VIEW report_agency_years AS
SELECT r.report_id, r.agency, coalesce(a.canonical, r.agency) AS canonical_agency, r.year,
       r.template, a.tier, a.kind, a.rule_making_power
FROM current_reports r LEFT JOIN agency_identity a ON a.agency = r.agency;

-- one annual report per agency (canonical) and year, with every current document that publishes
-- it (an HTML article page and its PDF or Word attachment are one report, two documents; the
-- rule documents.agree compares their cells). Each document keeps its own report_id (one
-- extraction per document): this view is what links them.
CREATE OR REPLACE VIEW annual_reports AS
SELECT ay.canonical_agency, ay.year, count(*) AS documents,
       list(DISTINCT ay.template ORDER BY ay.template) AS templates,
       list({'report_id': r.report_id, 'document_id': r.document_id, 'sha256': r.sha256,
             'source': r.source, 'kind': r.kind, 'agency': r.agency, 'template': r.template}
            ORDER BY r.report_id) AS document_list
FROM report_agency_years ay JOIN current_reports r USING (report_id)
WHERE ay.canonical_agency IS NOT NULL AND ay.year IS NOT NULL
GROUP BY ay.canonical_agency, ay.year;

-- the findings of the latest evaluation of every current report (rule_results keeps only the
-- latest per report; this view adds who and when, and leaves superseded versions out)
CREATE OR REPLACE VIEW latest_findings AS
SELECT ay.canonical_agency, ay.agency, ay.year, ay.tier, rr.report_id, rr.rule, rr.severity,
       rr.status, rr.table_name, rr.row_key, rr.column_key, rr.figure, rr.previous_report_id,
       rr.expected, rr.actual, rr.residual, rr.message, rr.operands, rr.evaluated_at
FROM rule_results rr JOIN report_agency_years ay USING (report_id)
ORDER BY ay.canonical_agency, ay.year, rr.report_id, rr.rule;

-- every cell read by OCR (a scan's), with both engines' readings and confidences: RapidOCR's
-- score 0..1, Tesseract's word confidence 0..100 (NULL where only RapidOCR read it: a cell
-- without ink); doubtful = a problem names the cell (the engines disagree, either is unsure,
-- or the text is no number)
CREATE OR REPLACE VIEW ocr_readings AS
SELECT r.source AS document, r.report_id, r.agency, r.year, f.page, f.table_name, f.row_key,
       f.column_key, f.value, f.raw,
       json_extract_string(f.locator, '$.ocr.rapidocr[0]') AS rapidocr_text,
       CAST(json_extract(f.locator, '$.ocr.rapidocr[1]') AS DOUBLE) AS rapidocr_confidence,
       json_extract_string(f.locator, '$.ocr.tesseract[0]') AS tesseract_text,
       CAST(json_extract(f.locator, '$.ocr.tesseract[1]') AS DOUBLE) AS tesseract_confidence,
       EXISTS (SELECT 1 FROM extraction_problems p WHERE p.report_id = f.report_id
               AND p.table_name = f.table_name AND p.row_key = f.row_key
               AND p.column_key = f.column_key) AS doubtful,
       f.x0, f.top, f.x1, f.bottom
FROM current_reports r JOIN facts f USING (report_id)
WHERE json_extract(f.locator, '$.ocr') IS NOT NULL;
