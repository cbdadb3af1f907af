"""Second round: random-forest variants and blend weights with the WoE scorecard (b6, C=0.1).

PYTHONPATH=models python models/experiments/select_blend.py [repeats]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold

from creditmodel.binning import Binner, BinningConfig

EXCLUDE = ["personal.status.and.sex", "foreign.worker"]


def logit(p):
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def main(repeats: int) -> None:
    df = pd.read_csv("models/data/german_credit.csv")
    y = (df["creditability"] == "bad").to_numpy(dtype=int)
    X = df.drop(columns=["creditability", *EXCLUDE])
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]
    cv = RepeatedStratifiedKFold(n_splits=10, n_repeats=repeats, random_state=42)
    res: dict[str, list] = {}
    t0 = time.time()
    for tr, te in cv.split(X, y):
        Xtr, Xte, ytr = X.iloc[tr], X.iloc[te], y[tr]
        b = Binner(BinningConfig(max_bins=6)).fit(Xtr, ytr)
        wtr, wte = b.woe_matrix(b.transform(Xtr)), b.woe_matrix(b.transform(Xte))
        lr = LogisticRegression(C=0.1, max_iter=2000).fit(wtr, ytr)
        out = {"lr": lr.predict_proba(wte)[:, 1]}
        # Tree inputs: raw numerics + one-hot categories (levels from the training fold).
        levels = {c: sorted(Xtr[c].astype(str).unique()) for c in cat}

        def tm(F):
            cols = [F[num].to_numpy(dtype=float)]
            for c in cat:
                v = F[c].astype(str).to_numpy()
                cols.append(np.column_stack([(v == lv).astype(float) for lv in levels[c]]))  # noqa: B023
            return np.hstack(cols)

        ttr, tte = tm(Xtr), tm(Xte)
        for msl in (1, 3, 5):
            for mf in ("sqrt", 0.3):
                rf = RandomForestClassifier(
                    300, min_samples_leaf=msl, max_features=mf, n_jobs=2, random_state=0
                )
                out[f"rf msl{msl} mf{mf}"] = rf.fit(ttr, ytr).predict_proba(tte)[:, 1]
        et = ExtraTreesClassifier(
            300, min_samples_leaf=3, max_features="sqrt", n_jobs=2, random_state=0
        )
        out["et msl3"] = et.fit(ttr, ytr).predict_proba(tte)[:, 1]
        rfw = RandomForestClassifier(
            300, min_samples_leaf=3, max_features="sqrt", n_jobs=2, random_state=0
        )
        out["rf msl3 on woe+raw"] = rfw.fit(np.hstack([wtr, ttr]), ytr).predict_proba(
            np.hstack([wte, tte])
        )[:, 1]
        for k in [k for k in out if k != "lr"]:
            for w in (0.3, 0.4, 0.5, 0.6):
                out[f"blend {w}*lr + {k}"] = 1 / (
                    1 + np.exp(-(w * logit(out["lr"]) + (1 - w) * logit(out[k])))
                )
            out[f"rankavg lr + {k}"] = (
                pd.Series(out["lr"]).rank().to_numpy() + pd.Series(out[k]).rank().to_numpy()
            )
        for k, p in out.items():
            res.setdefault(k, []).append(roc_auc_score(y[te], p))
    print(f"{repeats} repeats x 10 folds, {time.time() - t0:.0f}s")
    rows = []
    for k, aucs in res.items():
        a = np.array(aucs).reshape(repeats, 10)
        rows.append((a.mean(), a.mean(axis=1).std(), a.std(), k))
    for m, s_rep, s_fold, k in sorted(rows, reverse=True)[:30]:
        print(f"{m:.4f}  ±{s_rep:.4f} (repeats)  ±{s_fold:.4f} (folds)  {k}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
