-- Every rule failure with the cells involved (as printed, in rule order) and the pages to
-- check them on.
WITH failure AS (
    SELECT f.*,
           from_json(f.operands, '[{"table": "VARCHAR", "row": "VARCHAR", "column": "VARCHAR",
                                    "value": "DOUBLE", "raw": "VARCHAR", "page": "INTEGER"}]')
               AS cells_involved
    FROM v_findings f
    WHERE f.status = 'fail'
)
SELECT agency, year, source, rule, severity, row_key, column_key, expected, actual, residual,
       array_to_string(list_transform(cells_involved,
           lambda c: c.row || '×' || c.column || ' = ' || coalesce(c.raw, '(not extracted)')
                || coalesce(' (p.' || c.page || ')', '')), '; ') AS cells,
       list_sort(list_distinct(list_transform(cells_involved, lambda c: c.page))) AS pages,
       message
FROM failure
ORDER BY agency, year, rule, row_key, column_key;
