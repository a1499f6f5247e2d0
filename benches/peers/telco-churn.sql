-- telco-churn (examples/telco-churn.yaml), written by hand the way a data engineer would:
-- DuckDB's own CSV typing (Yes/No columns arrive as booleans, SeniorCitizen as 0/1) and plain
-- CASE arithmetic. scripts/bench-peers.sh fills in {input} and {output} and checks that the
-- scores equal `scorewright score`'s to 1e-9 before it times anything.
COPY (
  WITH customers AS (SELECT * FROM read_csv('{input}')),
  attainment AS (
    SELECT
      customerID,
      tenure,
      CASE Contract WHEN 'Month-to-month' THEN 1 WHEN 'One year' THEN 0.25 ELSE 0 END AS commitment,
      CASE WHEN tenure >= 48 THEN 0.1 WHEN tenure >= 24 THEN 0.3 WHEN tenure >= 12 THEN 0.5
        WHEN tenure >= 6 THEN 0.7 WHEN tenure >= 0 THEN 1 ELSE 0 END AS time_together,
      CASE InternetService WHEN 'Fiber optic' THEN 1 WHEN 'DSL' THEN 0.4 ELSE 0 END AS internet,
      CASE OnlineSecurity WHEN 'No' THEN 1 ELSE 0 END AS no_security,
      CASE TechSupport WHEN 'No' THEN 1 ELSE 0 END AS no_support,
      CASE OnlineBackup WHEN 'No' THEN 1 ELSE 0 END AS no_backup,
      CASE PaymentMethod WHEN 'Electronic check' THEN 1 WHEN 'Mailed check' THEN 0.3 ELSE 0 END AS payment,
      CASE WHEN PaperlessBilling THEN 1 ELSE 0 END AS paperless,
      CASE WHEN NOT Partner THEN 1 ELSE 0 END AS no_partner,
      CASE WHEN NOT Dependents THEN 1 ELSE 0 END AS no_dependents,
      coalesce(SeniorCitizen = 1, false) AS senior,
      -- Early life: the same columns, the room's own tables.
      CASE Contract WHEN 'Month-to-month' THEN 1 WHEN 'One year' THEN 0.2 ELSE 0 END AS first_plan,
      CASE PaymentMethod WHEN 'Electronic check' THEN 1 WHEN 'Mailed check' THEN 0.5 ELSE 0 END AS first_bills,
      CASE InternetService WHEN 'Fiber optic' THEN 1 WHEN 'DSL' THEN 0.3 ELSE 0 END AS first_internet
    FROM customers
  ),
  scored AS (
    SELECT customerID, tenure,
      greatest(0, least(100,
        100.0 * (0.35 * commitment + 0.25 * time_together
          + 0.20 * (0.40 * internet + 0.25 * no_security + 0.25 * no_support + 0.10 * no_backup)
          + 0.15 * (0.70 * payment + 0.30 * paperless)
          + 0.05 * (0.50 * no_partner + 0.50 * no_dependents))
        + CASE WHEN senior THEN 5 ELSE 0 END))::DOUBLE AS score_attrition,
      greatest(0, least(100,
        100.0 * (0.45 * first_plan + 0.30 * first_bills + 0.25 * (0.60 * first_internet + 0.40 * no_support))))::DOUBLE
        AS score_early_life
    FROM attainment
  ),
  tiered AS (
    SELECT *, CASE WHEN score_attrition >= 75 THEN 'at risk' WHEN score_attrition >= 50 THEN 'watch'
      ELSE 'steady' END AS tier
    FROM scored
  )
  SELECT
    customerID,
    score_attrition,
    score_early_life,
    CASE WHEN score_attrition >= 75 THEN 'High' WHEN score_attrition >= 50 THEN 'Elevated' ELSE 'Low' END AS grade_risk,
    tier,
    CASE WHEN tenure < 6 AND score_early_life >= 70 THEN 'Early-life rescue'
      WHEN tier = 'at risk' THEN 'Retention call'
      WHEN tier = 'watch' THEN 'Save offer'
      ELSE 'Everyone else' END AS segment
  FROM tiered
) TO '{output}' (HEADER);
