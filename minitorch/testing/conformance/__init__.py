"""The backend conformance suite: pytest modules every backend must pass.

Run it against an installed backend with ``python -m minitorch.testing --backend NAME``
(``--help`` for the options; extra arguments go to pytest). Without that command, pytest
collects it like any package (``pytest --pyargs minitorch.testing.conformance``) and tests
every backend named in ``$MINITORCH_CONFORMANCE_BACKENDS`` (comma-separated), else every
available one.

The modules:

* ``test_primitives``: each required primitive of the contract, called on native arrays made
  with ``backend.from_numpy``, against NumPy, on contiguous arrays, strided/transposed views
  and expanded (zero-stride) arrays.
* ``test_elementwise``, ``test_reductions``, ``test_shapes``: every differentiable op of the core
  on tensors of the backend: values against NumPy on the host, gradients against central
  differences in float64, over random shapes with size-1 and broadcast dims, and views.
* ``test_dtypes``: mixed dtypes, 0-d tensors and Python scalars give the numpy backend's
  result dtypes, values and errors.
* ``test_fast_paths``: the optional fast paths (sigmoid, softmax, log-softmax, fused optimizer
  updates, cross-entropy forward and backward) against the generic versions in
  ``minitorch.backends.contract.Backend``.
* ``test_conv_pool``: the convolution and pooling fast paths and their gradients.

Writing a test here: take the ``backend_name`` fixture (or ``backend``, the object) and create
tensors with ``backend=backend_name``; the helpers in ``_support`` do that and compare results,
and skip what needs a dtype the backend lacks (``require_dtypes``, ``draw_dtype``). Hypothesis
uses the loaded profile, else ``$HYPOTHESIS_PROFILE`` (``ci``: 30 examples, ``thorough``: 300).
"""
