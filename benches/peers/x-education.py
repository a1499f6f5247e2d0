"""x-education (examples/x-education.yaml) in Polars, written by hand the way a data engineer
would: a lazy scan with Polars' own CSV typing (empty cells arrive as null), `replace_strict`
for the category tables, and the model's arithmetic. Usage: x-education.py INPUT OUTPUT.
scripts/bench-peers.sh checks that the scores equal `scorewright score`'s to 1e-9 before it
times anything."""

import sys

import polars as pl


def match(column, table, default=0.0, missing=0.0, placeholders=()):
    """A category's attainment: its value in the table, else the default; null (no answer) or a
    placeholder gives the signal's missing attainment (0 unless the model gives one)."""
    c = pl.col(column)
    absent = c.is_null() | c.is_in(list(placeholders)) if placeholders else c.is_null()
    return pl.when(absent).then(missing).otherwise(
        c.replace_strict({k: float(v) for k, v in table.items()}, default=default,
                         return_dtype=pl.Float64)
    )


def main(source, target):
    leads = pl.scan_csv(source)
    yes = lambda column: pl.col(column).fill_null("No") == "Yes"
    occupation = match(
        "What is your current occupation",
        {"Working Professional": 1, "Businessman": 0.7, "Housewife": 0.7, "Other": 0.6,
         "Unemployed": 0.45, "Student": 0.3},
    )
    motivation = match(
        "What matters most to you in choosing a course",
        {"Better Career Prospects": 1, "Flexibility & Convenience": 1},
        default=0.6,
    )
    lead_profile = match(
        "Lead Profile",
        {"Potential Lead": 1, "Lateral Student": 1, "Dual Specialization Student": 1,
         "Other Leads": 0.4},
        missing=0.3, placeholders=("Select",),
    )
    specialisation = (
        pl.col("Specialization").is_not_null() & (pl.col("Specialization") != "Select")
    ).cast(pl.Float64)
    time = pl.col("Total Time Spent on Website")
    time_on_site = pl.when(time >= 900).then(1.0).when(time >= 600).then(0.8).otherwise(0.0)
    # The export spells Google both "Google" and "google": the model matches without case.
    source_ = pl.col("Lead Source").str.to_lowercase()
    lead_source = pl.when(source_.is_null()).then(0.9).otherwise(source_.replace_strict(
        {"reference": 1.0, "welingak website": 1.0, "google": 0.35, "organic search": 0.35,
         "direct traffic": 0.3, "olark chat": 0.2, "referral sites": 0.25, "facebook": 0.2},
        default=0.3, return_dtype=pl.Float64))
    lead_origin = match(
        "Lead Origin",
        {"Lead Add Form": 1, "Landing Page Submission": 0.4, "API": 0.3, "Lead Import": 0.2},
        default=0.3,
    )
    last_activity = match(
        "Last Activity",
        {"Had a Phone Conversation": 1, "Approached upfront": 1, "SMS Sent": 0.9,
         "Email Opened": 0.5, "Unreachable": 0.5, "Email Link Clicked": 0.4,
         "Page Visited on Website": 0.35, "Form Submitted on Website": 0.35,
         "Unsubscribed": 0.3, "Converted to Lead": 0.15, "Olark Chat Conversation": 0.1,
         "Email Bounced": 0},
        default=0.3, missing=0.9,
    )
    pupil = pl.col("Lead Profile").fill_null("") == "Student of SomeSchool"
    bounced = pl.col("Last Notable Activity").is_in(["Email Bounced", "Email Marked Spam"]).fill_null(False)
    referred = pl.col("Lead Source").is_in(["Reference", "Welingak Website"]).fill_null(False)
    occupation_name = pl.col("What is your current occupation").fill_null("")

    raw = 100 * (
        0.35 * (0.45 * occupation + 0.10 * motivation + 0.35 * lead_profile + 0.10 * specialisation)
        + 0.65 * (0.30 * time_on_site + 0.40 * (0.30 * lead_source + 0.70 * lead_origin)
                  + 0.30 * last_activity)
    )
    raw = (raw - pl.when(yes("Do Not Email")).then(10).otherwise(0)
           - pl.when(pupil).then(15).otherwise(0)
           - pl.when(bounced).then(10).otherwise(0))
    score = raw.clip(0, 100)
    s = pl.col("score_enrolment")
    tier = pl.when(s >= 50).then(pl.lit("hot")).when(s >= 35).then(pl.lit("warm")).otherwise(pl.lit("cold"))
    t = pl.col("tier")
    segment = (
        pl.when(yes("Do Not Call")).then(pl.lit("Do not call"))
        .when(bounced).then(pl.lit("Clean-up"))
        .when(referred).then(pl.lit("Referral fast lane"))
        .when(t == "hot").then(pl.lit("Hot"))
        .when((t == "warm") & (occupation_name == "Working Professional")).then(pl.lit("Warm professional"))
        .when(t == "warm").then(pl.lit("Warm"))
        .when((occupation_name == "Student") | pupil).then(pl.lit("Students and pupils"))
        .otherwise(pl.lit("Everyone else"))
    )
    (
        leads.with_columns(score.alias("score_enrolment"))
        .with_columns(tier.alias("tier"))
        .select(
            pl.col("Prospect ID"),
            s,
            pl.when(s >= 70).then(pl.lit("A")).when(s >= 50).then(pl.lit("B"))
            .when(s >= 30).then(pl.lit("C")).otherwise(pl.lit("D")).alias("grade_lead_grade"),
            t,
            segment.alias("segment"),
        )
        .sink_csv(target)
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
