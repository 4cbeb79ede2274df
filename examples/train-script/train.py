"""A training script of your own, run by `modelci train` (README: "Your own training script").

modelci makes the split and hands it over in MODELCI_* environment variables; this script
trains on MODELCI_TRAIN and saves one model into MODELCI_OUT. modelci then evaluates it on the
test rows of the same split as every other run, so its metrics compare with a baseline's.

Run it on its own, outside modelci, by setting the variables yourself:
    MODELCI_TRAIN=train.csv MODELCI_TARGET=target MODELCI_SEED=0 MODELCI_OUT=out python train.py
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd
import skops.io
from sklearn.ensemble import RandomForestClassifier


def read(path: str) -> pd.DataFrame:
    """The side files are in the input's format: CSV here (bundled data), else TSV or Parquet."""
    if path.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t" if path.endswith(".tsv") else ",")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trees", type=int, default=200)
    args = parser.parse_args()

    train = read(os.environ["MODELCI_TRAIN"])
    target = os.environ["MODELCI_TARGET"]
    ids = os.environ.get("MODELCI_ID_COLUMN")  # set only when the config has data.id_column
    X = train.drop(columns=[c for c in (target, ids) if c])  # the features, in scoring order
    y = train[target]

    print(f"training a forest of {args.trees} trees on {len(X)} rows, {X.shape[1]} features")
    model = RandomForestClassifier(
        n_estimators=args.trees, random_state=int(os.environ["MODELCI_SEED"]), n_jobs=1
    )
    model.fit(X, y)

    out = Path(os.environ["MODELCI_OUT"])
    skops.io.dump(model, out / "model.skops")  # one model file, named for its flavour
    print(f"saved {out / 'model.skops'}")


if __name__ == "__main__":
    main()
