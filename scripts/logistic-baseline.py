#!/usr/bin/env python3
"""A plain logistic regression and a gradient-boosting model on the X Education lead export (or
the Telco churn export), printed beside `scorewright tune`'s cross-validated AUC of the shipped
model, for comparison with the transparent models scorewright designs and tunes.

It uses every column known before the first sales call: everything except the id columns, the
outcome, and `Tags` and `Lead Quality` (recorded by the counsellors after the call, so they
leak the outcome). Categories are one-hot encoded ("Select" counts as missing), numbers are
standardised with missing values filled by the median. The AUC is 5-fold stratified
cross-validated, the same protocol as `scorewright tune`. Gradient boosting is scikit-learn's
HistGradientBoostingClassifier on the same encoded columns and folds. The tuned model's AUC
comes from running `scorewright tune` on the shipped example (the release binary in
`target/release`, else `cargo run --release`).

    pip install scikit-learn pandas
    python3 scripts/logistic-baseline.py ../shared/data/leads/Leads.csv
    python3 scripts/logistic-baseline.py ../shared/data/churn/Telco-Customer-Churn.csv

For the churn export: every column but the id and the outcome `Churn` (`TotalCharges` of a
single space, in a customer's first month, counts as missing), and the columns the shipped
telco-churn model reads.
"""

import os
import sys

# One thread for gradient boosting's OpenMP: on a shared 2-core machine more threads than
# cores made it run for over ten minutes instead of one.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd
import re
import subprocess

from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


# The columns the shipped x-education model reads.
MODEL_COLUMNS = [
    "Lead Origin", "Lead Source", "Do Not Email", "Do Not Call", "Total Time Spent on Website",
    "Last Activity", "Last Notable Activity", "What is your current occupation",
    "What matters most to you in choosing a course", "Lead Profile", "Specialization",
]


def cv_auc(x: pd.DataFrame, y: pd.Series, boosted: bool = False) -> np.ndarray:
    x = x.replace("Select", np.nan)
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    categorical = [c for c in x.columns if c not in numeric]
    x[categorical] = x[categorical].astype(str).replace("nan", "missing")
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", min_frequency=10, sparse_output=False),
                categorical,
            ),
        ]
    )
    learner = (
        HistGradientBoostingClassifier(random_state=1)
        if boosted
        else LogisticRegression(max_iter=2000, C=1.0)
    )
    model = make_pipeline(pre, learner)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
    return cross_val_score(model, x, y, cv=folds, scoring="roc_auc")


# The columns the shipped telco-churn model reads.
TELCO_MODEL_COLUMNS = [
    "Contract", "tenure", "InternetService", "OnlineSecurity", "TechSupport", "OnlineBackup",
    "PaymentMethod", "PaperlessBilling", "SeniorCitizen", "Partner", "Dependents",
]


def report(label: str, x: pd.DataFrame, y: pd.Series) -> None:
    for name, boosted in [("logistic regression", False), ("gradient boosting", True)]:
        auc = cv_auc(x.copy(), y, boosted)
        folds = ", ".join(f"{a:.3f}" for a in auc)
        print(f"{name} on {label}: cross-validated AUC {auc.mean():.3f} ({folds})")


def tuned(example: str, path: str) -> None:
    """`scorewright tune` on the shipped example: its before and after, beside the baselines."""
    binary = "target/release/scorewright"
    cmd = [binary] if os.path.exists(binary) else ["cargo", "run", "-q", "--release", "--"]
    out = subprocess.run(
        cmd + ["tune", f"examples/{example}.yaml", path], capture_output=True, text=True
    )
    found = re.findall(r"journey (\S+): cross-validated AUC ([0-9.]+) -> ([0-9.]+)", out.stdout)
    if not found:
        print(f"scorewright tune gave no AUC (exit {out.returncode}): {out.stderr.strip()}")
    for journey, before, after in found:
        print(
            f"scorewright {example}, journey {journey}: cross-validated AUC {before} as shipped, "
            f"{after} tuned (weights and attainments)"
        )


def telco(path: str) -> None:
    df = pd.read_csv(path)
    df["TotalCharges"] = pd.to_numeric(df["TotalCharges"].str.strip(), errors="coerce")
    y = (df["Churn"] == "Yes").astype(int)
    x_all = df.drop(columns=["customerID", "Churn"])
    x_all["SeniorCitizen"] = x_all["SeniorCitizen"].astype(str)
    for label, x in [
        ("the model's 11 columns", x_all[TELCO_MODEL_COLUMNS]),
        ("every column", x_all),
    ]:
        report(label, x, y)
    tuned("telco-churn", path)


def main(path: str) -> None:
    if "Churn" in pd.read_csv(path, nrows=0).columns:
        telco(path)
        return
    df = pd.read_csv(path)
    df = df.loc[:, ~df.columns.str.startswith("Unnamed")]
    y = df["Converted"].astype(int)
    drop = ["Prospect ID", "Lead Number", "Converted", "Tags", "Lead Quality"]
    for label, x in [
        ("the model's 11 columns", df[MODEL_COLUMNS]),
        ("every column known before the call", df.drop(columns=drop)),
    ]:
        report(label, x, y)
    tuned("x-education", path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/leads/Leads.csv")
