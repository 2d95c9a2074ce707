"""Networks: the model zoo, building, training and the deep-learning runtime.

The zoo's Keras-free half (:mod:`.zoo`: architecture validation, name resolution, the check
that an architecture fits a sequence length, activation names) is imported at parse time by
the workflow; Keras and TensorFlow are imported only by the modules that need them: model
building and loading (:mod:`.build`), the first-layer activations of P2 (:mod:`.activations`),
training with early stopping and learning-rate plateau (:mod:`.train`), classification metrics
(:mod:`.metrics`) and the one place that configures threads, seeds and devices
(:mod:`.runtime`).
"""
