-- Reports whose applications table does not balance: per column, 本年新收 + 上年结转 must
-- equal （七）总计 + 结转下年度 (the template prints this rule). Needs the rules to have run.
SELECT agency, year, source,
       count(*) AS unbalanced_columns,
       string_agg(column_key || ' off by ' || CAST(CAST(residual AS BIGINT) AS VARCHAR), ', '
                  ORDER BY column_key) AS columns,
       any_value(message) AS example
FROM v_findings
WHERE rule = 'applications.balance' AND status = 'fail'
GROUP BY agency, year, source
ORDER BY year, agency;
