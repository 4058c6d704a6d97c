"""Jobs: `@job` definitions and their registry, payloads, enqueueing, and performing one payload.

Workers and the scheduler import only what runs a payload (registry, payload, perform, outcome);
the enqueue side (definition, dispatch, bulk, handles, delayed_calls, inline, model_methods) is
for the code that sends jobs. The pyproject.toml import-linter contracts hold them to it.
"""
