#!/usr/bin/env python3
"""The CDNOW repeat-purchase example (`examples/cdnow-repeat.yaml`) computed again outside
scorewright, and a logistic regression on the same three aggregates for comparison.

As of 1997-09-30, from the purchases strictly before that day: recency (days since the last
purchase), frequency (purchases) and monetary value (dollars). The outcome is a purchase on or
after 1997-09-30 and before 1998-06-30 (273 days). It prints the outcome count, the AUC and
hot-tier figures of the example's hand-set score (50% recency from 240 days to 0, 30%
purchases from 1 to 5, 20% dollars from 0 to 200; hot at 60), which `scorewright backtest
examples/cdnow-repeat.yaml` must match, and the 5-fold stratified cross-validated AUC of a
logistic regression on log(1 + x) of the three aggregates.

    python3 scripts/cdnow-baseline.py ../shared/data/events/CDNOW_master.csv
"""

import csv
import datetime as dt
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_score

AS_OF = dt.date(1997, 9, 30)
WITHIN = 273


def main(path):
    last, count, spend, later = {}, {}, {}, set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            day = dt.date.fromisoformat(row["date"])
            who = row["customer_id"].strip()
            if day >= AS_OF:
                if (day - AS_OF).days < WITHIN:
                    later.add(who)
                continue
            last[who] = max(last.get(who, day), day)
            count[who] = count.get(who, 0) + 1
            spend[who] = spend.get(who, 0.0) + float(row["dollar_value"])
    ids = list(last)
    r = np.array([(AS_OF - last[i]).days for i in ids], dtype=float)
    n = np.array([count[i] for i in ids], dtype=float)
    m = np.array([spend[i] for i in ids], dtype=float)
    y = np.array([i in later for i in ids], dtype=int)
    clamp = lambda v: np.clip(v, 0.0, 1.0)  # noqa: E731
    score = 100 * (0.5 * clamp((240 - r) / 240) + 0.3 * clamp((n - 1) / 4) + 0.2 * clamp(m / 200))
    hot = score >= 60
    print(f"{len(ids)} customers, {y.sum()} bought again ({y.mean():.1%})")
    print(f"hand-set model: AUC {roc_auc_score(y, score):.4f}; hot {hot.sum()}, "
          f"{y[hot].sum()} bought again ({y[hot].mean():.1%})")
    x = np.log1p(np.column_stack([r, n, m]))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
    auc = cross_val_score(LogisticRegression(max_iter=1000), x, y, cv=folds, scoring="roc_auc")
    print(f"logistic regression on log(1 + recency, frequency, monetary): "
          f"cross-validated AUC {auc.mean():.4f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/events/CDNOW_master.csv")
