"""lead-fit-activity (examples/lead-fit-activity.yaml) in Polars, written by hand the way a data
engineer would: a lazy scan with Polars' own CSV typing (dates parsed, empty cells null),
`replace_strict` for the category tables, ages counted from the model's as_of (2026-11-01).
Usage: lead-fit-activity.py INPUT OUTPUT. scripts/bench-peers.sh checks that the scores equal
`scorewright score`'s to 1e-9 before it times anything."""

import datetime
import sys

import polars as pl

AS_OF = datetime.date(2026, 11, 1)


def match(column, table, default, missing):
    """A category's attainment: its value in the table, else the default; no answer is 0."""
    c = pl.col(column)
    return pl.when(c.is_null() | c.is_in(missing)).then(0.0).otherwise(
        c.replace_strict({k: float(v) for k, v in table.items()}, default=default,
                         return_dtype=pl.Float64)
    )


def scale(column, top):
    return (pl.col(column).fill_null(0) / top).clip(0, 1)


def age(column):
    return (pl.lit(AS_OF) - pl.col(column)).dt.total_days()


def half_life(column, days):
    """0.5^(age / half-life); 1 from as_of on; 0 without a date."""
    a = age(column)
    return (pl.when(pl.col(column).is_null()).then(0.0).when(a <= 0).then(1.0)
            .otherwise(pl.lit(0.5).pow(a / days)))


def given(column, missing):
    return (pl.col(column).is_not_null() & ~pl.col(column).is_in(missing))


def flag(column):
    """Polars reads yes/no as text; no answer is not yes."""
    return pl.col(column).fill_null("") == "yes"


def main(source, target):
    leads = pl.scan_csv(source, try_parse_dates=True)
    fit = 100 * (
        0.55 * (
            0.35 * match("industry", {"Manufacturing": 1, "Logistics": 1, "Software": 0.8,
                                      "Financial services": 0.7, "Healthcare": 0.6, "Retail": 0.5},
                         0.2, ["Select", "N/A", "-"])
            + 0.30 * (pl.when(pl.col("Annual Revenue (USD m)") >= 1000).then(0.7)
                      .when(pl.col("Annual Revenue (USD m)") >= 50).then(1.0)
                      .when(pl.col("Annual Revenue (USD m)") >= 10).then(0.5).otherwise(0.0))
            + 0.15 * match("country", {"United States": 1, "Canada": 1, "United Kingdom": 1,
                                       "Germany": 1, "Netherlands": 0.8, "France": 0.8},
                           0.3, ["Select", "N/A", "-"])
            + 0.20 * match("current_crm", {"Salesforce": 1, "HubSpot": 1, "Dynamics 365": 0.8,
                                           "Pipedrive": 0.6, "Spreadsheets": 0.4},
                           0.2, ["Select", "Unknown"])
        )
        + 0.45 * (
            0.60 * match("Job Level", {"C-level": 0.8, "VP": 1, "Director": 1, "Manager": 0.7,
                                       "Individual contributor": 0.4, "Student": 0},
                         0.3, ["Select", "-"])
            + 0.40 * (0.5 * given("Email", ["N/A", "-"]).cast(pl.Float64)
                      + 0.5 * given("Phone", ["N/A", "-", "0"]).cast(pl.Float64))
        )
    )
    student = pl.col("Job Level").fill_null("") == "Student"
    fit = (fit - pl.when(flag("competitor")).then(50).otherwise(0)
           - pl.when(student).then(25).otherwise(0))
    decay = half_life("last_activity", 30)
    activity = 100 * (
        0.30 * (0.70 * flag("demo_requested").cast(pl.Float64) * decay
                + 0.30 * scale("pricing_views_30d", 3))
        + 0.20 * scale("webinars_attended", 2) * decay
        + 0.15 * scale("content_downloads", 3) * decay
        + 0.20 * (0.60 * scale("web_visits_30d", 10) + 0.40 * half_life("last_visit", 14))
        + 0.10 * scale("email_clicks_90d", 5)
        + 0.05 * flag("sdr_connected").cast(pl.Float64)
    )
    inactive = age("last_activity")
    activity = (activity - pl.when(flag("unsubscribed")).then(20).otherwise(0)
                - pl.when(pl.col("careers_visits").fill_null(0) >= 3).then(15).otherwise(0)
                - pl.when(inactive.fill_null(0) >= 90).then(10).otherwise(0))
    f, a, lead = pl.col("score_fit"), pl.col("score_activity"), pl.col("score_lead")
    gf, ga, t = pl.col("grade_fit"), pl.col("grade_activity"), pl.col("tier")
    rating = gf + ga
    segment = (
        pl.when(flag("competitor") | student).then(pl.lit("Disqualified"))
        .when(~given("Email", ["N/A", "-"]) | flag("email_bounced")).then(pl.lit("Clean-up"))
        .when(flag("demo_requested") & gf.is_in(["A", "B", "C"])).then(pl.lit("Fast lane"))
        .when(rating.is_in(["A4", "A3", "B4", "B3"])).then(pl.lit("Sales-ready"))
        .when((t == "warm") & gf.is_in(["A", "B"])).then(pl.lit("Warm, good fit"))
        .when(inactive.fill_null(0) >= 180).then(pl.lit("Re-engage"))
        .when((gf == "A") & (t == "cold")).then(pl.lit("Great fit, quiet"))
        .when(gf.is_in(["C", "D"]) & t.is_in(["hot", "warm"])).then(pl.lit("Engaged, poor fit"))
        .otherwise(pl.lit("Nurture"))
    )
    (
        leads.with_columns(fit.clip(0, 100).alias("score_fit"),
                           activity.clip(0, 100).alias("score_activity"))
        # the lead score the tiers read: 40% fit, 60% activity
        .with_columns((0.40 * f + 0.60 * a).clip(0, 100).alias("score_lead"))
        .with_columns(
            pl.when(f >= 75).then(pl.lit("A")).when(f >= 50).then(pl.lit("B"))
            .when(f >= 25).then(pl.lit("C")).otherwise(pl.lit("D")).alias("grade_fit"),
            pl.when(a >= 75).then(pl.lit("4")).when(a >= 50).then(pl.lit("3"))
            .when(a >= 25).then(pl.lit("2")).otherwise(pl.lit("1")).alias("grade_activity"),
            pl.when(lead >= 70).then(pl.lit("hot")).when(lead >= 40).then(pl.lit("warm"))
            .otherwise(pl.lit("cold")).alias("tier"),
        )
        .select(pl.col("lead_id"), f, a, lead, gf, ga, rating.alias("rating"), t,
                segment.alias("segment"))
        .sink_csv(target)
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
