"""The training script of onnx.yaml: fit on modelci's training rows, export the model to ONNX.

modelci runs it with MODELCI_TRAIN (the training rows, CSV for bundled data), MODELCI_TARGET and
MODELCI_OUT (an empty folder) set; it writes exactly one file there, model.onnx. The graph's one
[N, F] float input takes the feature columns in the data's order, which is modelci's.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
from skl2onnx import to_onnx
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

train = pd.read_csv(os.environ["MODELCI_TRAIN"])
target = os.environ["MODELCI_TARGET"]
X = train.drop(columns=[target]).to_numpy(np.float32)
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, train[target])
graph = to_onnx(model, X[:1], options={"zipmap": False})  # label + [N, 2] probabilities
Path(os.environ["MODELCI_OUT"], "model.onnx").write_bytes(graph.SerializeToString())
