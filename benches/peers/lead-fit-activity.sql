-- lead-fit-activity (examples/lead-fit-activity.yaml), written by hand the way a data engineer
-- would: DuckDB's own CSV typing (yes/no columns arrive as booleans, dates as DATE, empty cells
-- as NULL) and plain CASE arithmetic, ages counted from the model's as_of (2026-11-01).
-- scripts/bench-peers.sh fills in {input} and {output} and checks that the scores equal
-- `scorewright score`'s to 1e-9 before it times anything.
COPY (
  WITH leads AS (SELECT * FROM read_csv('{input}')),
  attainment AS (
    SELECT
      lead_id,
      -- Fit: the company (55%) and the person (45%).
      CASE WHEN industry IN ('Manufacturing', 'Logistics') THEN 1.0 WHEN industry = 'Software' THEN 0.8
        WHEN industry = 'Financial services' THEN 0.7 WHEN industry = 'Healthcare' THEN 0.6
        WHEN industry = 'Retail' THEN 0.5 WHEN industry IS NULL OR industry IN ('Select', 'N/A', '-') THEN 0
        ELSE 0.2 END AS industry_fit,
      CASE WHEN "Annual Revenue (USD m)" >= 1000 THEN 0.7 WHEN "Annual Revenue (USD m)" >= 50 THEN 1.0
        WHEN "Annual Revenue (USD m)" >= 10 THEN 0.5 ELSE 0 END AS revenue_fit,
      CASE WHEN country IN ('United States', 'Canada', 'United Kingdom', 'Germany') THEN 1.0
        WHEN country IN ('Netherlands', 'France') THEN 0.8
        WHEN country IS NULL OR country IN ('Select', 'N/A', '-') THEN 0 ELSE 0.3 END AS territory,
      CASE WHEN current_crm IN ('Salesforce', 'HubSpot') THEN 1.0 WHEN current_crm = 'Dynamics 365' THEN 0.8
        WHEN current_crm = 'Pipedrive' THEN 0.6 WHEN current_crm = 'Spreadsheets' THEN 0.4
        WHEN current_crm IS NULL OR current_crm IN ('Select', 'Unknown') THEN 0 ELSE 0.2 END AS tech_stack,
      CASE WHEN "Job Level" IN ('VP', 'Director') THEN 1.0 WHEN "Job Level" = 'C-level' THEN 0.8
        WHEN "Job Level" = 'Manager' THEN 0.7 WHEN "Job Level" = 'Individual contributor' THEN 0.4
        WHEN "Job Level" = 'Student' THEN 0
        WHEN "Job Level" IS NULL OR "Job Level" IN ('Select', '-') THEN 0 ELSE 0.3 END AS seniority,
      coalesce(Email NOT IN ('N/A', '-'), false) AS email_given,
      coalesce(Phone NOT IN ('N/A', '-', '0'), false) AS phone_given,
      coalesce(competitor, false) AS competitor,
      coalesce("Job Level" = 'Student', false) AS student,
      -- Activity: hand-raisers decay with a 30-day half-life from the last activity.
      CASE WHEN last_activity IS NULL THEN 0
        WHEN last_activity >= DATE '2026-11-01' THEN 1
        ELSE pow(0.5, date_diff('day', last_activity, DATE '2026-11-01') / 30.0) END AS decay,
      CASE WHEN demo_requested THEN 1.0 ELSE 0 END AS demo,
      coalesce(demo_requested, false) AS demo_requested,
      greatest(0, least(1, coalesce(pricing_views_30d, 0) / 3)) AS pricing,
      greatest(0, least(1, coalesce(webinars_attended, 0) / 2)) AS webinars,
      greatest(0, least(1, coalesce(content_downloads, 0) / 3)) AS downloads,
      greatest(0, least(1, coalesce(web_visits_30d, 0) / 10)) AS visits,
      CASE WHEN last_visit IS NULL THEN 0
        WHEN last_visit >= DATE '2026-11-01' THEN 1
        ELSE pow(0.5, date_diff('day', last_visit, DATE '2026-11-01') / 14.0) END AS visit_recency,
      greatest(0, least(1, coalesce(email_clicks_90d, 0) / 5)) AS clicks,
      CASE WHEN sdr_connected THEN 1.0 ELSE 0 END AS sdr,
      coalesce(unsubscribed, false) AS unsubscribed,
      coalesce(careers_visits >= 3, false) AS job_seeker,
      date_diff('day', last_activity, DATE '2026-11-01') AS inactive_days,
      coalesce(email_bounced, false) AS email_bounced
    FROM leads
  ),
  scored AS (
    SELECT *,
      greatest(0, least(100,
        100 * (0.55 * (0.35 * industry_fit + 0.30 * revenue_fit + 0.15 * territory + 0.20 * tech_stack)
             + 0.45 * (0.60 * seniority + 0.40 * (0.5 * email_given::INT + 0.5 * phone_given::INT)))
        - CASE WHEN competitor THEN 50 ELSE 0 END
        - CASE WHEN student THEN 25 ELSE 0 END))::DOUBLE AS score_fit,
      greatest(0, least(100,
        100 * (0.30 * (0.70 * demo * decay + 0.30 * pricing)
             + 0.20 * webinars * decay
             + 0.15 * downloads * decay
             + 0.20 * (0.60 * visits + 0.40 * visit_recency)
             + 0.10 * clicks
             + 0.05 * sdr)
        - CASE WHEN unsubscribed THEN 20 ELSE 0 END
        - CASE WHEN job_seeker THEN 15 ELSE 0 END
        - CASE WHEN inactive_days >= 90 THEN 10 ELSE 0 END))::DOUBLE AS score_activity
    FROM attainment
  ),
  graded AS (
    SELECT *,
      CASE WHEN score_fit >= 75 THEN 'A' WHEN score_fit >= 50 THEN 'B' WHEN score_fit >= 25 THEN 'C' ELSE 'D' END AS grade_fit,
      CASE WHEN score_activity >= 75 THEN '4' WHEN score_activity >= 50 THEN '3'
        WHEN score_activity >= 25 THEN '2' ELSE '1' END AS grade_activity,
      CASE WHEN score_lead >= 70 THEN 'hot' WHEN score_lead >= 40 THEN 'warm' ELSE 'cold' END AS tier
    FROM (
      -- the lead score the tiers read: 40% fit, 60% activity
      SELECT *, greatest(0, least(100, 0.40 * score_fit + 0.60 * score_activity))::DOUBLE AS score_lead
      FROM scored
    )
  )
  SELECT
    lead_id, score_fit, score_activity, score_lead, grade_fit, grade_activity,
    grade_fit || grade_activity AS rating,
    tier,
    CASE WHEN competitor OR student THEN 'Disqualified'
      WHEN NOT email_given OR email_bounced THEN 'Clean-up'
      WHEN demo_requested AND grade_fit IN ('A', 'B', 'C') THEN 'Fast lane'
      WHEN grade_fit || grade_activity IN ('A4', 'A3', 'B4', 'B3') THEN 'Sales-ready'
      WHEN tier = 'warm' AND grade_fit IN ('A', 'B') THEN 'Warm, good fit'
      WHEN inactive_days >= 180 THEN 'Re-engage'
      WHEN grade_fit = 'A' AND tier = 'cold' THEN 'Great fit, quiet'
      WHEN grade_fit IN ('C', 'D') AND tier IN ('hot', 'warm') THEN 'Engaged, poor fit'
      ELSE 'Nurture' END AS segment
  FROM graded
) TO '{output}' (HEADER);
