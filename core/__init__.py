"""What the web app and the worker share: the database, its models, the job lifecycle, the
task names they exchange and the catalogue of sources.

Dependencies run one way: ``webapp`` and ``worker`` import ``core``; ``core`` imports neither,
and ``webapp`` imports nothing from ``worker``.
"""
