-- How often do reviews and courts correct the agency? 结果纠正 as a share of the cases decided
-- (维持 + 纠正 + 其他结果; 尚未审结 excluded), per agency, year and procedure.
SELECT agency, year, row_key, row_label,
       upheld, corrected, other, pending, total,
       round(100 * corrected / nullif(upheld + corrected + other, 0), 1) AS corrected_pct_of_decided,
       page
FROM v_review_litigation
ORDER BY corrected_pct_of_decided DESC NULLS LAST, agency, row_key;
