-- x-education (examples/x-education.yaml), written by hand the way a data engineer would:
-- DuckDB's own CSV typing (Yes/No columns arrive as booleans, empty cells as NULL) and plain
-- CASE arithmetic. scripts/bench-peers.sh fills in {input} and {output} and checks that the
-- scores equal `scorewright score`'s to 1e-9 before it times anything.
COPY (
  WITH leads AS (SELECT * FROM read_csv('{input}')),
  attainment AS (
    SELECT
      "Prospect ID" AS id,
      -- Who the lead is (35%): occupation, motivation, lead profile, specialisation.
      CASE "What is your current occupation"
        WHEN 'Working Professional' THEN 1 WHEN 'Businessman' THEN 0.7 WHEN 'Housewife' THEN 0.7
        WHEN 'Other' THEN 0.6 WHEN 'Unemployed' THEN 0.45 WHEN 'Student' THEN 0.3 ELSE 0 END AS occupation,
      CASE WHEN "What matters most to you in choosing a course" IS NULL THEN 0
        WHEN "What matters most to you in choosing a course" IN ('Better Career Prospects', 'Flexibility & Convenience') THEN 1
        ELSE 0.6 END AS motivation,
      -- A profile left at "Select" or blank has its own attainment (missing: 0.3).
      CASE WHEN "Lead Profile" IS NULL OR "Lead Profile" = 'Select' THEN 0.3
        WHEN "Lead Profile" IN ('Potential Lead', 'Lateral Student', 'Dual Specialization Student') THEN 1
        WHEN "Lead Profile" = 'Other Leads' THEN 0.4 ELSE 0 END AS lead_profile,
      CASE WHEN "Specialization" IS NULL OR "Specialization" = 'Select' THEN 0 ELSE 1 END AS specialisation,
      -- What the lead did (65%): time on the website, how they reached us, the last activity.
      CASE WHEN "Total Time Spent on Website" >= 900 THEN 1
        WHEN "Total Time Spent on Website" >= 600 THEN 0.8 ELSE 0 END AS time_on_site,
      -- The export spells Google both "Google" and "google": the model matches without case.
      CASE WHEN "Lead Source" IS NULL THEN 0.9
        WHEN "Lead Source" IN ('Reference', 'Welingak Website') THEN 1
        WHEN lower("Lead Source") IN ('google', 'organic search') THEN 0.35
        WHEN "Lead Source" = 'Direct Traffic' THEN 0.3 WHEN "Lead Source" = 'Olark Chat' THEN 0.2
        WHEN "Lead Source" = 'Referral Sites' THEN 0.25 WHEN "Lead Source" = 'Facebook' THEN 0.2
        ELSE 0.3 END AS lead_source,
      CASE WHEN "Lead Origin" IS NULL THEN 0 WHEN "Lead Origin" = 'Lead Add Form' THEN 1
        WHEN "Lead Origin" = 'Landing Page Submission' THEN 0.4 WHEN "Lead Origin" = 'API' THEN 0.3
        WHEN "Lead Origin" = 'Lead Import' THEN 0.2 ELSE 0.3 END AS lead_origin,
      CASE WHEN "Last Activity" IS NULL THEN 0.9
        WHEN "Last Activity" IN ('Had a Phone Conversation', 'Approached upfront') THEN 1
        WHEN "Last Activity" = 'SMS Sent' THEN 0.9
        WHEN "Last Activity" IN ('Email Opened', 'Unreachable') THEN 0.5
        WHEN "Last Activity" = 'Email Link Clicked' THEN 0.4
        WHEN "Last Activity" IN ('Page Visited on Website', 'Form Submitted on Website') THEN 0.35
        WHEN "Last Activity" = 'Unsubscribed' THEN 0.3 WHEN "Last Activity" = 'Converted to Lead' THEN 0.15
        WHEN "Last Activity" = 'Olark Chat Conversation' THEN 0.1 WHEN "Last Activity" = 'Email Bounced' THEN 0
        ELSE 0.3 END AS last_activity,
      -- Adjustments and the fields the segments read.
      coalesce("Do Not Email", false) AS do_not_email,
      coalesce("Do Not Call", false) AS do_not_call,
      coalesce("Lead Profile" = 'Student of SomeSchool', false) AS pupil,
      coalesce("Last Notable Activity" IN ('Email Bounced', 'Email Marked Spam'), false) AS bounced,
      coalesce("Lead Source" IN ('Reference', 'Welingak Website'), false) AS referred,
      "What is your current occupation" AS occupation_name
    FROM leads
  ),
  scored AS (
    SELECT *,
      greatest(0, least(100,
        100 * (0.35 * (0.45 * occupation + 0.10 * motivation + 0.35 * lead_profile + 0.10 * specialisation)
             + 0.65 * (0.30 * time_on_site + 0.40 * (0.30 * lead_source + 0.70 * lead_origin) + 0.30 * last_activity))
        - CASE WHEN do_not_email THEN 10 ELSE 0 END
        - CASE WHEN pupil THEN 15 ELSE 0 END
        - CASE WHEN bounced THEN 10 ELSE 0 END)) AS score_enrolment
    FROM attainment
  ),
  tiered AS (
    SELECT *, CASE WHEN score_enrolment >= 50 THEN 'hot' WHEN score_enrolment >= 35 THEN 'warm' ELSE 'cold' END AS tier
    FROM scored
  )
  SELECT
    id AS "Prospect ID",
    score_enrolment,
    CASE WHEN score_enrolment >= 70 THEN 'A' WHEN score_enrolment >= 50 THEN 'B'
      WHEN score_enrolment >= 30 THEN 'C' ELSE 'D' END AS grade_lead_grade,
    tier,
    CASE WHEN do_not_call THEN 'Do not call'
      WHEN bounced THEN 'Clean-up'
      WHEN referred THEN 'Referral fast lane'
      WHEN tier = 'hot' THEN 'Hot'
      WHEN tier = 'warm' AND occupation_name = 'Working Professional' THEN 'Warm professional'
      WHEN tier = 'warm' THEN 'Warm'
      WHEN occupation_name = 'Student' OR pupil THEN 'Students and pupils'
      ELSE 'Everyone else' END AS segment
  FROM tiered
) TO '{output}' (HEADER);
