//! Back-test metrics: how well a model's scores rank a historical outcome.
