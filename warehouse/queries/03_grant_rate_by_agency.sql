-- How often is information released? Share of processed requests granted in full (予以公开)
-- and at least in part (+ 部分公开), all applicants (总计 column).
WITH t AS (
    SELECT report_id, agency, year,
           max(total) FILTER (WHERE row_key = 'granted')           AS granted,
           max(total) FILTER (WHERE row_key = 'partially_granted') AS partially_granted,
           max(total) FILTER (WHERE row_key = 'total_processed')   AS total_processed
    FROM v_applications
    GROUP BY report_id, agency, year
)
SELECT agency, year, granted, partially_granted, total_processed,
       round(100 * granted / nullif(total_processed, 0), 1) AS granted_pct,
       round(100 * (granted + coalesce(partially_granted, 0)) / nullif(total_processed, 0), 1)
           AS granted_at_least_partly_pct
FROM t
ORDER BY granted_pct DESC NULLS LAST, agency;
