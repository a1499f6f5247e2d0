#!/usr/bin/env python3
"""A plain logistic regression on the X Education lead export (or the Telco churn export), for
comparison with the transparent models scorewright designs and tunes.

It uses every column known before the first sales call: everything except the id columns, the
outcome, and `Tags` and `Lead Quality` (recorded by the counsellors after the call, so they
leak the outcome). Categories are one-hot encoded ("Select" counts as missing), numbers are
standardised with missing values filled by the median. The AUC is 5-fold stratified
cross-validated, the same protocol as `scorewright tune`.

    pip install scikit-learn pandas
    python3 scripts/logistic-baseline.py ../shared/data/leads/Leads.csv
    python3 scripts/logistic-baseline.py ../shared/data/churn/Telco-Customer-Churn.csv

For the churn export: every column but the id and the outcome `Churn` (`TotalCharges` of a
single space, in a customer's first month, counts as missing), and the columns the shipped
telco-churn model reads.
"""

import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
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


def cv_auc(x: pd.DataFrame, y: pd.Series) -> np.ndarray:
    x = x.replace("Select", np.nan)
    numeric = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c])]
    categorical = [c for c in x.columns if c not in numeric]
    x[categorical] = x[categorical].astype(str).replace("nan", "missing")
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=10), categorical),
        ]
    )
    model = make_pipeline(pre, LogisticRegression(max_iter=2000, C=1.0))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
    return cross_val_score(model, x, y, cv=folds, scoring="roc_auc")


# The columns the shipped telco-churn model reads.
TELCO_MODEL_COLUMNS = [
    "Contract", "tenure", "InternetService", "OnlineSecurity", "TechSupport", "OnlineBackup",
    "PaymentMethod", "PaperlessBilling", "SeniorCitizen", "Partner", "Dependents",
]


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
        auc = cv_auc(x.copy(), y)
        folds = ", ".join(f"{a:.3f}" for a in auc)
        print(f"logistic regression on {label}: cross-validated AUC {auc.mean():.3f} ({folds})")


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
        auc = cv_auc(x.copy(), y)
        folds = ", ".join(f"{a:.3f}" for a in auc)
        print(f"logistic regression on {label}: cross-validated AUC {auc.mean():.3f} ({folds})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/leads/Leads.csv")
