from .provider import identity_provider, provider  # noqa: F401  (fixtures)
