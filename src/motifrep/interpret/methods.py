"""The attribution methods' names and the authors' default settings: the one list of them.

Light on purpose (no NumPy, TensorFlow or Keras import), so that the workflow's parse step
(``workflow/rules/common.smk``), the command line (:mod:`motifrep.cli`) and
:mod:`motifrep.interpret.attribution` all read the names from here. ``config/schema.yaml``
and ``config/README.md`` cannot import them: ``tests/test_attribution_methods.py`` checks
that they list the same names in the same order.
"""

from __future__ import annotations

#: the attribution methods, in the order the schema, config/README.md and the command line list them.
METHOD_NAMES = ("saliency", "ism", "integrated_gradients", "smoothgrad", "deepshap")

#: the authors' settings (methods §6.2) of each method, keyed by :data:`METHOD_NAMES`.
DEFAULTS = {
    "saliency": {},
    "ism": {},
    "integrated_gradients": {"n_refs": 10, "steps": 20},
    "smoothgrad": {"n_samples": 50, "sigma": 0.1},
    "deepshap": {"n_refs": 10},
}
