-- Who asks? New requests (本年新收) by applicant type, per agency and year, with the share
-- of requests from natural persons (自然人).
SELECT agency, year,
       natural_person, commercial_enterprise, research_institution,
       social_welfare_organization, legal_service_agency, other_organization, total,
       round(100 * natural_person / nullif(total, 0), 1) AS natural_person_pct,
       page
FROM v_applications
WHERE row_key = 'new_requests'
ORDER BY year, total DESC, agency;
