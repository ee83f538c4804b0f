"""Code generation from ``protocol/openrpc.json``: one description, many targets.

``rtnet codegen`` renders every target; ``rtnet codegen --check`` fails when a committed file is stale.
"""

from realtimenet.codegen.generate import Target, check, generate, render_all

__all__ = ["Target", "check", "generate", "render_all"]
