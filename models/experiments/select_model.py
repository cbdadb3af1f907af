"""Model selection on German credit: repeated stratified 10-fold CV AUC of candidate models.

Binning is fitted inside each fold (no leakage). Run:
    PYTHONPATH=models python models/experiments/select_model.py [repeats]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from creditmodel.binning import Binner, BinningConfig

EXCLUDE = ["personal.status.and.sex", "foreign.worker"]


def load():
    df = pd.read_csv("models/data/german_credit.csv")
    y = (df["creditability"] == "bad").to_numpy(dtype=int)
    X = df.drop(columns=["creditability", *EXCLUDE])
    return X, y


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def main(repeats: int) -> None:
    X, y = load()
    cv = RepeatedStratifiedKFold(n_splits=10, n_repeats=repeats, random_state=42)
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]
    preds: dict[str, list] = {}
    t0 = time.time()
    for tr, te in cv.split(X, y):
        Xtr, Xte, ytr = X.iloc[tr], X.iloc[te], y[tr]
        out = {}
        for mb in (4, 6, 8):
            b = Binner(BinningConfig(max_bins=mb)).fit(Xtr, ytr)
            btr, bte = b.transform(Xtr), b.transform(Xte)
            wtr, wte = b.woe_matrix(btr), b.woe_matrix(bte)
            for C in (0.03, 0.1, 1.0):
                lr = LogisticRegression(C=C, max_iter=2000).fit(wtr, ytr)
                out[f"woe_lr b{mb} C{C}"] = lr.predict_proba(wte)[:, 1]
            otr, ote = b.onehot(btr), b.onehot(bte)
            for C in (0.03, 0.1, 0.3):
                lr = LogisticRegression(C=C, max_iter=2000).fit(otr, ytr)
                out[f"oh_lr b{mb} C{C}"] = lr.predict_proba(ote)[:, 1]
            if mb == 6:
                wb = wtr, wte
        ct = ColumnTransformer(
            [("n", StandardScaler(), num), ("c", OneHotEncoder(handle_unknown="ignore"), cat)]
        )
        rtr, rte = ct.fit_transform(Xtr), ct.transform(Xte)
        for C in (0.1, 1.0):
            out[f"raw_lr C{C}"] = (
                LogisticRegression(C=C, max_iter=2000).fit(rtr, ytr).predict_proba(rte)[:, 1]
            )
        rf = RandomForestClassifier(
            500, min_samples_leaf=3, max_features="sqrt", n_jobs=2, random_state=0
        )
        out["rf raw"] = rf.fit(rtr, ytr).predict_proba(rte)[:, 1]
        hgb = HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=150,
            max_leaf_nodes=8,
            min_samples_leaf=20,
            l2_regularization=1.0,
            random_state=0,
        )
        out["hgb woe"] = hgb.fit(wb[0], ytr).predict_proba(wb[1])[:, 1]
        hgb2 = HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=150,
            max_leaf_nodes=8,
            min_samples_leaf=20,
            l2_regularization=1.0,
            random_state=0,
            categorical_features="from_dtype",
        )
        Xc_tr = Xtr.copy()
        Xc_te = Xte.copy()
        for c in cat:
            Xc_tr[c] = pd.Categorical(Xc_tr[c], categories=sorted(X[c].unique()))
            Xc_te[c] = pd.Categorical(Xc_te[c], categories=sorted(X[c].unique()))
        out["hgb raw"] = hgb2.fit(Xc_tr, ytr).predict_proba(Xc_te)[:, 1]
        for a in ("woe_lr b6 C0.1", "oh_lr b6 C0.1"):
            for bname in ("rf raw", "hgb woe", "hgb raw"):
                for w in (0.5, 0.7):
                    out[f"blend {w}*{a}+{bname}"] = 1 / (
                        1 + np.exp(-(w * logit(out[a]) + (1 - w) * logit(out[bname])))
                    )
        for k, p in out.items():
            preds.setdefault(k, []).append(roc_auc_score(y[te], p))
    print(f"{repeats} repeats x 10 folds, {time.time() - t0:.0f}s")
    # AUC per repeat = mean over its 10 folds; report mean +- std over repeats and fold-level std.
    rows = []
    for k, aucs in preds.items():
        a = np.array(aucs).reshape(repeats, 10)
        rows.append((a.mean(), a.mean(axis=1).std(), a.std(), k))
    for m, s_rep, s_fold, k in sorted(rows, reverse=True):
        print(f"{m:.4f}  ±{s_rep:.4f} (repeats)  ±{s_fold:.4f} (folds)  {k}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
