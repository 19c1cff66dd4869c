"""The example workers, run by path (``python clients/python/examples/inference_worker.py``) or, from an
installed client, as the ``roomhistory-infer`` and ``roomhistory-consolidate`` commands."""
