"""The expression language: jinja (the sandbox: reference and fallback), codegen (the
one compiler), functions (what compiled expressions call), cache (compiled expressions
remembered across runs)."""
