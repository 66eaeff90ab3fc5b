"""Sub-commands of ``fundmodel``: each module defines ``register(subparsers)``."""
